/**
 * The port through which OTP codes leave the system, two of its implementations — the sandbox
 * outbox (a table read by `GET /sandbox/outbox`) and a webhook that receives
 * `{ channel, to, code }` as JSON (an SMS / email gateway in production) — and the routing of each
 * channel to its senders. SMTP for EMAIL lives in `SmtpSender.ts`.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { randomUUID } from "node:crypto"
import type { OtpDeliveryChannel } from "../../Domain/Otp.js"
import { SecretBox } from "../Crypto/SecretBox.js"
import { RollsBack } from "../Store/Transaction.js"
import { OutboxRepo } from "./OutboxRepo.js"

/** One code to deliver. */
export interface OtpMessage {
  readonly channel: OtpDeliveryChannel
  readonly to: string
  readonly code: Redacted.Redacted<string>
}

/** Delivery failed: a typed error of the request that sent the code, whose transaction rolls back (the code is not stored). */
export class DeliveryError
  extends Data.TaggedError("DeliveryError")<{ readonly message: string; readonly cause?: unknown }>
{
  /** A failed delivery undoes its request: no stored code, no resend spacing spent. */
  readonly [RollsBack] = true
}

/** Sends OTP codes to users. */
export class OtpSender extends Context.Tag("Rampart/Server/OtpSender")<
  OtpSender,
  { readonly send: (message: OtpMessage) => Effect.Effect<void, DeliveryError> }
>() {}

/** What an `OtpSender` provides. */
export type OtpSenderService = Context.Tag.Service<OtpSender>

/** The senders of each channel; a code goes to each of its channel's senders in order, stopping at the first failure. */
export type OtpRoutes = { readonly [C in OtpDeliveryChannel]: ReadonlyArray<OtpSenderService> }

/** One sender over per-channel routes (e.g. EMAIL by SMTP, SMS by webhook). */
export const routeByChannel = (routes: OtpRoutes): OtpSenderService => ({
  send: (message) => Effect.forEach(routes[message.channel], (sender) => sender.send(message), { discard: true })
})

/** The default bound on one delivery (a webhook request, an SMTP session). */
export const defaultDeliveryTimeout = Duration.seconds(10)

/** The additional data that binds a sealed outbox code to its destination. */
export const outboxAad = (to: string) => `outbox:${to}`

/** Sandbox delivery: the code is sealed into the `outbox` table (within the caller's transaction). */
export const makeOutboxSender: Effect.Effect<OtpSenderService, never, OutboxRepo | SecretBox> = Effect.gen(function*() {
  const outbox = yield* OutboxRepo
  const box = yield* SecretBox
  return {
    send: (message) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const sealed = yield* box.seal(message.code, outboxAad(message.to))
        yield* outbox.insert({
          id: randomUUID(),
          channel: message.channel,
          destination: message.to,
          sealedCode: sealed,
          sentAt: now
        })
      }).pipe(Effect.mapError((cause) => new DeliveryError({ message: "outbox write failed", cause })))
  }
})

/** `makeOutboxSender` as the `OtpSender`. */
export const layerOutboxSender = Layer.effect(OtpSender, makeOutboxSender).pipe(Layer.provide(OutboxRepo.Default))

/** Production delivery: POSTs `{ channel, to, code }` to `url` within `timeout`; any non-2xx answer is a failure. */
export const makeWebhookSender = (
  url: string,
  timeout: Duration.DurationInput = defaultDeliveryTimeout
): Effect.Effect<OtpSenderService, never, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const client = (yield* HttpClient.HttpClient).pipe(HttpClient.filterStatusOk)
    return {
      send: (message) =>
        HttpClientRequest.post(url).pipe(
          HttpClientRequest.bodyUnsafeJson({
            channel: message.channel,
            to: message.to,
            code: Redacted.value(message.code)
          }),
          client.execute,
          Effect.scoped,
          Effect.timeout(timeout),
          Effect.asVoid,
          // The cause is dropped on purpose: the client error holds the request, whose body is the code.
          Effect.mapError((error) =>
            new DeliveryError({
              message: error._tag === "ResponseError"
                ? `webhook delivery failed: HTTP ${error.response.status}`
                : `webhook delivery failed: ${error._tag}`
            })
          )
        )
    }
  })

/** `makeWebhookSender` as the `OtpSender`. */
export const layerWebhookSender = (url: string, timeout: Duration.DurationInput = defaultDeliveryTimeout) =>
  Layer.effect(OtpSender, makeWebhookSender(url, timeout))
