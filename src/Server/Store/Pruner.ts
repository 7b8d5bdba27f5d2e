/**
 * Store retention: a background fiber deletes what no rule reads any more, so the store stays flat
 * under a steady load — refresh tokens past their lifetime or revoked, partner sessions expired or
 * revoked, OTP codes older than the resend window (the hourly cap still counts them until then),
 * outbox messages older than 24 hours, and security events older than
 * `RAMPART_EVENTS_RETENTION_DAYS` (never one the event feed has not delivered yet).
 *
 * Each delete is one short statement of at most `Limits.pruneBatch` rows, so no lock is held for
 * long; one instance prunes at a time (the `pruner` lease). Time is the store's time: in the
 * sandbox the pruner runs on sandbox time, so a jump of 31 days prunes what 31 days would.
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { randomUUID } from "node:crypto"
import { Limits } from "../../Domain/Policy.js"
import { RefreshTokensRepo } from "../Accounts/RefreshTokensRepo.js"
import { ServerConfig } from "../Config.js"
import { EventFeedRepo } from "../Events/EventFeedRepo.js"
import { SecurityEventsRepo } from "../Events/SecurityEventsRepo.js"
import { OtpCodesRepo } from "../Otp/OtpCodesRepo.js"
import { OutboxRepo } from "../Otp/OutboxRepo.js"
import { PartnerSessionsRepo } from "../Partners/PartnerSessionsRepo.js"
import { SandboxClock } from "../Sandbox/SandboxClock.js"
import { LeasesRepo } from "./LeasesRepo.js"

/** The name of the pruner's lease in `rampart_leases`. */
export const PRUNER_LEASE = "pruner"

/** The most batches of one table in one round: a backlog is worked off over several rounds. */
const MAX_BATCHES = 20

/** What one round deleted, by table. */
export interface Pruned {
  readonly refreshTokens: number
  readonly partnerSessions: number
  readonly otpCodes: number
  readonly outbox: number
  readonly events: number
}

/** Repeats `batch` until it deletes fewer than a full batch (or `MAX_BATCHES` times); the total. */
const drain = <E, R>(batch: Effect.Effect<number, E, R>): Effect.Effect<number, E, R> => {
  const loop = (total: number, rounds: number): Effect.Effect<number, E, R> =>
    Effect.flatMap(batch, (deleted) =>
      deleted >= Limits.pruneBatch && rounds + 1 < MAX_BATCHES
        ? loop(total + deleted, rounds + 1)
        : Effect.succeed(total + deleted))
  return loop(0, 0)
}

/** The pruner's statements and its round. */
export class Pruner extends Effect.Service<Pruner>()("Rampart/Server/Pruner", {
  effect: Effect.gen(function*() {
    const config = yield* ServerConfig
    const refreshTokens = yield* RefreshTokensRepo
    const sessions = yield* PartnerSessionsRepo
    const codes = yield* OtpCodesRepo
    const outbox = yield* OutboxRepo
    const events = yield* SecurityEventsRepo
    const feed = yield* EventFeedRepo
    const leases = yield* LeasesRepo
    const sandboxClock = yield* SandboxClock
    const owner = randomUUID()
    const limit = Limits.pruneBatch

    /** One round at `Clock` time: every table's expired rows, in bounded batches. */
    const pruneNow = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const keepEventsFrom = config.eventsRetentionDays === 0
        ? Option.none<number>()
        : Option.some(now - config.eventsRetentionDays * 24 * 60 * 60_000)
      // Undelivered events stay until the feed has sent them.
      const maxEventId = Option.isSome(config.eventsWebhook) ? yield* feed.cursor : Number.MAX_SAFE_INTEGER
      return {
        refreshTokens: yield* drain(refreshTokens.prune(now, limit)),
        partnerSessions: yield* drain(sessions.prune(now, limit)),
        otpCodes: yield* drain(codes.prune(now - Limits.sendWindowMs, limit)),
        outbox: yield* drain(outbox.prune(now - Limits.outboxRetentionMs, limit)),
        events: Option.isSome(keepEventsFrom)
          ? yield* drain(events.prune(keepEventsFrom.value, maxEventId, limit))
          : 0
      } satisfies Pruned
    })

    /** One round if this instance holds (or takes) the pruner's lease; on sandbox time in the sandbox. */
    const round = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const lease = Duration.toMillis(config.pruneInterval) * 3
      if (!(yield* leases.take(PRUNER_LEASE, owner, now, now + lease))) return Option.none<Pruned>()
      return Option.some(config.mode === "sandbox" ? yield* sandboxClock.withSandboxTime(pruneNow) : yield* pruneNow)
    })

    return { round, owner }
  }),
  dependencies: [
    RefreshTokensRepo.Default,
    PartnerSessionsRepo.Default,
    OtpCodesRepo.Default,
    OutboxRepo.Default,
    SecurityEventsRepo.Default,
    EventFeedRepo.Default,
    LeasesRepo.Default,
    SandboxClock.Default
  ]
}) {}

/** The pruner's fiber: a round every `ServerConfig.pruneInterval`, for as long as the layer's scope is open. */
export const layerPruner = Layer.scopedDiscard(
  Effect.gen(function*() {
    const config = yield* ServerConfig
    const pruner = yield* Pruner
    const leases = yield* LeasesRepo
    yield* Effect.sleep(config.pruneInterval).pipe(
      Effect.zipRight(pruner.round),
      Effect.catchAllCause((cause) => Effect.logWarning("pruner: round failed", cause)),
      Effect.forever,
      Effect.ensuring(Effect.ignore(leases.release(PRUNER_LEASE, pruner.owner))),
      Effect.forkScoped
    )
  })
)
