/**
 * The security event stream: every domain service publishes what happened (`login.refused`,
 * `totp.replayed`, `partner.login`, ...) here; each event is stored first (the audit trail, see
 * `SecurityEventsRepo`) and then offered to every subscriber. Embedders subscribe with `stream` or
 * `subscribe`; `GET /sandbox/events` reads the store. An event carries no password, code, token or
 * secret: only ids, the channel, the caller's IP and device (`RequestOrigin`) and a reason.
 *
 * Services report an operation with `reporting` (its outcome: `login.succeeded` / `login.refused`
 * with the error's tag as reason), `note` what they learn inside it (`totp.replayed`, `otp.locked`)
 * and name its subject with `about`; the events are published when the operation has decided, so
 * after its transaction committed, and never for a store failure that rolled it back.
 *
 * Publishing never fails the operation that publishes: a store failure is logged and the event is
 * still offered to subscribers. A subscriber that falls more than `SUBSCRIBER_BUFFER` events
 * behind loses the oldest ones (the store keeps them all).
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as PubSub from "effect/PubSub"
import type * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { Limits } from "../../Domain/Policy.js"
import type { SecurityEvent, SecurityEventInput } from "../../Domain/SecurityEvent.js"
import { CurrentReport, eventsOnExit, type EventSubject, makeReport, type Outcome } from "./EventReport.js"
import { RequestOrigin } from "./RequestOrigin.js"
import { SecurityEventsRepo, toEvent } from "./SecurityEventsRepo.js"

/** How many events a subscriber may fall behind before the oldest are dropped for it. */
export const SUBSCRIBER_BUFFER = 4096

/** Publishes, stores and streams security events. */
export class SecurityEvents extends Effect.Service<SecurityEvents>()("Rampart/Server/SecurityEvents", {
  scoped: Effect.gen(function*() {
    const repo = yield* SecurityEventsRepo
    const hub = yield* Effect.acquireRelease(PubSub.sliding<SecurityEvent>(SUBSCRIBER_BUFFER), PubSub.shutdown)

    /** Records `input` with the time, IP and device of the current request, then offers it to subscribers. */
    const publish = (input: SecurityEventInput): Effect.Effect<void> =>
      Effect.gen(function*() {
        const origin = yield* RequestOrigin
        const at = yield* Clock.currentTimeMillis
        const row = {
          at,
          type: input.type,
          user_id: input.userId ?? null,
          client_id: input.clientId ?? null,
          channel: input.channel ?? null,
          ip: origin.ip ?? null,
          device: origin.device?.slice(0, Limits.deviceMaxLength) ?? null,
          reason: input.reason ?? null
        }
        const id = yield* repo.insert(row).pipe(
          Effect.catchAllCause((cause) =>
            Effect.as(Effect.logWarning(`security event ${input.type} not stored`, cause), 0)
          )
        )
        yield* PubSub.publish(hub, toEvent({ id, ...row }))
      })

    /** Publishes `input` when the operation being reported has decided, or now outside one. */
    const note = (input: SecurityEventInput): Effect.Effect<void> =>
      Effect.flatMap(CurrentReport, (report) => {
        if (report === undefined) return publish(input)
        report.noted.push(input)
        return Effect.void
      })

    /** Adds to the subject (user, client, channel) of the operation being reported; nothing outside one. */
    const about = (subject: EventSubject): Effect.Effect<void> =>
      Effect.map(CurrentReport, (report) => {
        if (report !== undefined) report.subject = { ...report.subject, ...subject }
      })

    /**
     * Runs `self` as one reported operation: when it has decided, publishes `outcome.succeeded` or
     * `outcome.refused` (reason: the error's tag), then what it noted, all naming its subject.
     * Put it outside the operation's transaction, so events follow the commit.
     */
    const reporting =
      (outcome: Outcome) =>
      <A, E extends { readonly _tag: string }, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
        Effect.suspend(() => {
          const report = makeReport(outcome)
          return self.pipe(
            Effect.provideService(CurrentReport, report),
            Effect.onExit((exit) => Effect.forEach(eventsOnExit(outcome, report, exit), publish, { discard: true }))
          )
        })

    /** Every event published from now on, for as long as the stream runs. */
    const stream: Stream.Stream<SecurityEvent> = Stream.fromPubSub(hub)

    /** A queue of every event published from now on, until the scope closes. */
    const subscribe: Effect.Effect<Queue.Dequeue<SecurityEvent>, never, Scope.Scope> = PubSub.subscribe(hub)

    return {
      publish,
      note,
      about,
      reporting,
      stream,
      subscribe,
      /** Stored events with an id greater than `after`, oldest first, at most `limit`. */
      after: repo.after
    }
  }),
  dependencies: [SecurityEventsRepo.Default]
}) {}
