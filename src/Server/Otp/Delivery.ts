/**
 * The port through which OTP codes leave the system, and its two implementations: the sandbox
 * outbox (a table read by `GET /sandbox/outbox`) and a webhook that receives
 * `{ channel, to, code }` as JSON (an SMS / email gateway in production).
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { randomUUID } from "node:crypto"
import { SecretBox } from "../../Crypto/SecretBox.js"
import type { OtpDeliveryChannel } from "../../Domain/Otp.js"
import { OutboxRepo } from "./OutboxRepo.js"

/** One code to deliver. */
export interface OtpMessage {
  readonly channel: OtpDeliveryChannel
  readonly to: string
  readonly code: Redacted.Redacted<string>
}

/** Delivery failed; the code request is rolled back. */
export class DeliveryError extends Data.TaggedError("DeliveryError")<{ readonly message: string; readonly cause?: unknown }> {}

/** Sends OTP codes to users. */
export class OtpSender extends Context.Tag("Rampart/Server/OtpSender")<
  OtpSender,
  { readonly send: (message: OtpMessage) => Effect.Effect<void, DeliveryError> }
>() {}

/** The additional data that binds a sealed outbox code to its destination. */
export const outboxAad = (to: string) => `outbox:${to}`

/** Sandbox delivery: the code is sealed into the `outbox` table (within the caller's transaction). */
export const layerOutboxSender = Layer.effect(
  OtpSender,
  Effect.gen(function* () {
    const outbox = yield* OutboxRepo
    const box = yield* SecretBox
    return {
      send: (message) =>
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          const sealed = yield* box.seal(message.code, outboxAad(message.to))
          yield* outbox.insert({ id: randomUUID(), channel: message.channel, destination: message.to, sealedCode: sealed, sentAt: now })
        }).pipe(Effect.mapError((cause) => new DeliveryError({ message: "outbox write failed", cause })))
    }
  })
).pipe(Layer.provide(OutboxRepo.Default))

/** Production delivery: POSTs `{ channel, to, code }` to `url`; any non-2xx answer is a failure. */
export const layerWebhookSender = (url: string) =>
  Layer.effect(
    OtpSender,
    Effect.gen(function* () {
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
            Effect.timeout("10 seconds"),
            Effect.asVoid,
            // The cause is dropped on purpose: the client error holds the request, whose body is the code.
            Effect.mapError((error) =>
              new DeliveryError({
                message:
                  error._tag === "ResponseError"
                    ? `webhook delivery failed: HTTP ${error.response.status}`
                    : `webhook delivery failed: ${error._tag}`
              })
            )
          )
      }
    })
  )
