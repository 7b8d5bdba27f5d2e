/**
 * The production security-event feed: with `RAMPART_EVENTS_WEBHOOK_URL` set, the stored events are
 * POSTed to it in order, in batches (a JSON array of events as `GET /sandbox/events` shows them),
 * signed (`Rampart-Signature`, see `src/Crypto/EventSignature.ts`), at least once.
 *
 * - It runs in a fiber of its own and only reads the store: a slow or failing receiver never
 *   slows a login.
 * - The position (`cursor`, the last event a receiver acknowledged with a 2xx) is kept in the
 *   store, so a restart resumes where the feed stopped; a batch is sent again until acknowledged.
 * - One instance sends at a time: the one holding the lease in the store (renewed at every poll,
 *   taken over when it expires).
 * - A failed POST (an error status, no answer within the timeout, a refused connection) is tried
 *   again after a backoff that doubles up to a cap; one log line when deliveries start failing,
 *   one when they work again.
 * - An event is sent once it has been seen in one poll and is still there at the next: on
 *   PostgreSQL, ids are taken before commit, so a later id can be visible before an earlier one.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { randomUUID } from "node:crypto"
import { EVENT_SIGNATURE_HEADER, signEventBatch } from "../../Crypto/EventSignature.js"
import { SecurityEvent } from "../../Domain/SecurityEvent.js"
import { type EventFeedTiming, ServerConfig } from "../Config.js"
import { LeasesRepo } from "../Store/LeasesRepo.js"
import { EVENT_FEED_LEASE, EventFeedRepo } from "./EventFeedRepo.js"
import { SecurityEventsRepo } from "./SecurityEventsRepo.js"

const encodeBatch = Schema.encodeSync(Schema.Array(SecurityEvent))

/** The feed loop of one instance (`owner`) to `url`, until its scope closes. */
const runFeed = (
  url: string,
  secret: Redacted.Redacted<string>,
  timing: EventFeedTiming,
  owner: string
) =>
  Effect.gen(function*() {
    const feed = yield* EventFeedRepo
    const leases = yield* LeasesRepo
    const events = yield* SecurityEventsRepo
    const client = (yield* HttpClient.HttpClient).pipe(HttpClient.filterStatusOk)
    /** The highest id seen at the previous poll: events up to it have settled. */
    let settled = 0
    let failures = 0

    const post = (body: string) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        client.execute(
          HttpClientRequest.post(url).pipe(
            HttpClientRequest.setHeader(
              EVENT_SIGNATURE_HEADER,
              signEventBatch(Redacted.value(secret), body, Math.floor(now / 1000))
            ),
            HttpClientRequest.bodyText(body, "application/json")
          )
        )).pipe(
          Effect.asVoid,
          Effect.scoped,
          Effect.timeoutFail({
            duration: timing.requestTimeout,
            onTimeout: () => new Error("no answer within the timeout")
          })
        )

    /** One round: the lease, the next settled batch, its delivery. How long to wait before the next round. */
    const round = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      if (!(yield* leases.take(EVENT_FEED_LEASE, owner, now, now + Duration.toMillis(timing.lease)))) {
        return timing.pollInterval // another instance sends
      }
      const cursor = yield* feed.cursor
      const batch = yield* events.after(cursor, timing.batchSize)
      const ready = batch.filter((event) => event.id <= settled)
      settled = Math.max(settled, ...batch.map((event) => event.id), cursor)
      if (ready.length === 0) return timing.pollInterval
      const delivered = yield* Effect.either(post(JSON.stringify(encodeBatch(ready))))
      if (delivered._tag === "Left") {
        if (failures === 0) {
          yield* Effect.logWarning(
            `security-event feed: POST ${url} failed (${
              String(delivered.left).split("\n")[0]
            }); trying again with backoff`
          )
        }
        failures++
        return Duration.min(
          Duration.times(timing.backoff, 2 ** Math.min(failures - 1, 16)),
          timing.maxBackoff
        )
      }
      if (failures > 0) {
        yield* Effect.logInfo(`security-event feed: delivering again after ${failures} failed attempt(s)`)
      }
      failures = 0
      yield* feed.advance(owner, ready[ready.length - 1]!.id)
      return ready.length === timing.batchSize ? Duration.zero : timing.pollInterval
    })

    return yield* round.pipe(
      // A store failure is one more round later, never the end of the feed.
      Effect.catchAllCause((cause) =>
        Effect.as(Effect.logWarning("security-event feed: round failed", cause), timing.pollInterval)
      ),
      Effect.flatMap((wait) => Effect.sleep(wait)),
      Effect.forever,
      Effect.ensuring(Effect.ignore(leases.release(EVENT_FEED_LEASE, owner)))
    )
  })

/** The feed, when `ServerConfig.eventsWebhook` is set: a fiber in the layer's scope. */
export const layerEventFeed: Layer.Layer<
  never,
  never,
  ServerConfig | EventFeedRepo | LeasesRepo | SecurityEventsRepo | HttpClient.HttpClient
> = Layer.scopedDiscard(
  Effect.gen(function*() {
    const config = yield* ServerConfig
    if (Option.isNone(config.eventsWebhook)) return
    const { secret, url } = config.eventsWebhook.value
    yield* Effect.forkScoped(runFeed(url, secret, config.eventFeedTiming, randomUUID()))
  })
)
