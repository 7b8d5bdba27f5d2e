/**
 * The security event stream: every domain service publishes what happened (`login.refused`,
 * `totp.replayed`, `partner.login`, ...) here; each event is stored first (the audit trail, see
 * `SecurityEventsRepo`) and then offered to every subscriber. Embedders subscribe with `stream` or
 * `subscribe`; `GET /sandbox/events` reads the store. An event carries no password, code, token or
 * secret: only ids, the channel, the caller's IP and device (`RequestOrigin`) and a reason.
 *
 * Services report an operation with `reporting` (its outcome: `login.succeeded` / `login.refused`
 * with the error's tag as reason), `note` what they learn inside it (`totp.replayed`, `otp.locked`)
 * and name its subject with `about`. The events are stored in the transaction that decides the
 * operation (or in their own statement for an operation that changes nothing), so a committed
 * change always has its event and a rolled-back one never has; they are offered to subscribers
 * after the commit.
 *
 * The audit trail is not best-effort: an event that cannot be stored fails the operation that
 * records it (the store failure becomes a 503), and its transaction rolls back. A subscriber that
 * falls more than `SUBSCRIBER_BUFFER` events behind loses the oldest ones (the store keeps them all).
 */
import type * as SqlError from "@effect/sql/SqlError"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as PubSub from "effect/PubSub"
import type * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { Limits } from "../../Domain/Policy.js"
import type { SecurityEvent, SecurityEventInput } from "../../Domain/SecurityEvent.js"
import { BeforeCommit } from "../Store/Transaction.js"
import { CurrentReport, eventsOnExit, type EventSubject, hasDecided, makeReport, type Outcome } from "./EventReport.js"
import { originIn } from "./RequestOrigin.js"
import { SecurityEventsRepo, toEvent } from "./SecurityEventsRepo.js"

/** How many events a subscriber may fall behind before the oldest are dropped for it. */
export const SUBSCRIBER_BUFFER = 4096

/** Publishes, stores and streams security events. */
export class SecurityEvents extends Effect.Service<SecurityEvents>()("Rampart/Server/SecurityEvents", {
  scoped: Effect.gen(function*() {
    const repo = yield* SecurityEventsRepo
    const hub = yield* Effect.acquireRelease(PubSub.sliding<SecurityEvent>(SUBSCRIBER_BUFFER), PubSub.shutdown)

    /** Stores `inputs` with the time, IP and device of the current request (in the caller's transaction, if any); the stored events. */
    const store = (inputs: ReadonlyArray<SecurityEventInput>): Effect.Effect<Array<SecurityEvent>, SqlError.SqlError> =>
      inputs.length === 0 ? Effect.succeed([]) : Effect.withFiberRuntime((fiber) => {
        const origin = originIn(fiber.currentContext)
        return Effect.flatMap(Clock.currentTimeMillis, (at) => {
          const storeOne = (input: SecurityEventInput) => {
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
            return Effect.map(repo.insert(row), (id) => toEvent({ id, ...row }))
          }
          // Most operations store one event: without `forEach`'s loop.
          return inputs.length === 1
            ? Effect.map(storeOne(inputs[0]!), (event) => [event])
            : Effect.forEach(inputs, storeOne)
        })
      })

    /** Offers stored events to the subscribers. */
    const offer = (stored: ReadonlyArray<SecurityEvent>): Effect.Effect<void> =>
      stored.length === 0 ? Effect.void : Effect.asVoid(PubSub.publishAll(hub, stored))

    /**
     * Stores `input` (in the caller's transaction, if any: it commits or rolls back with it), then
     * offers it to subscribers. A store failure fails the caller: an event is never dropped.
     */
    const publish = (input: SecurityEventInput): Effect.Effect<void, SqlError.SqlError> =>
      Effect.flatMap(store([input]), offer)

    /** Publishes `input` when the operation being reported has decided, or now outside one. */
    const note = (input: SecurityEventInput): Effect.Effect<void, SqlError.SqlError> =>
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
     * Runs `self` as one reported operation. Its events — `outcome.succeeded`, or `outcome.refused`
     * with the error's tag as reason, then what it noted, all naming its subject — are stored in the
     * transaction that decides it (the outermost `transactOn` inside `self`, which must be its last
     * step), so they commit or roll back with the state change; an operation that changes nothing
     * stores them in their own statement when it has decided. A failure to store them fails the
     * operation (503). Subscribers get them after the commit; nothing for a store failure.
     */
    const reporting = (outcome: Outcome) =>
    <A, E extends { readonly _tag: string }, R>(
      self: Effect.Effect<A, E, R>
    ): Effect.Effect<A, E | SqlError.SqlError, R> =>
      Effect.suspend(() => {
        const report = makeReport(outcome)
        let stored: Array<SecurityEvent> | undefined
        const beforeCommit = (decided: Either.Either<unknown, unknown>) =>
          stored !== undefined ? Effect.void : Effect.map(
            store(
              eventsOnExit(
                outcome,
                report,
                Either.match(decided, {
                  onLeft: (error) => Exit.fail(error as E),
                  onRight: (value) => Exit.succeed(value)
                })
              )
            ),
            (events) => {
              stored = events
            }
          )
        // One provision of both references (each provision copies the fiber's whole context).
        const scoped = Context.add(Context.make(CurrentReport, report), BeforeCommit, beforeCommit)
        return Effect.flatMap(Effect.exit(Effect.provide(self, scoped)), (exit) => {
          const events = stored === undefined
            ? store(eventsOnExit(outcome, report, exit))
            : Effect.succeed(hasDecided(outcome, exit) ? stored : [])
          return Effect.zipRight(Effect.flatMap(events, offer), exit)
        })
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
