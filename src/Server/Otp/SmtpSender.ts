/**
 * EMAIL codes by SMTP through nodemailer (`RAMPART_SMTP_URL`): one message per code, plain text and
 * HTML (`CodeMail.ts`). nodemailer is imported when the sender is built, so a server without SMTP
 * never loads it. A refused or failed send is a `DeliveryError` that names only nodemailer's error
 * code and the SMTP reply code: never the URL (it may hold a password), the message or the code.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type { Transporter } from "nodemailer"
import { traced } from "../../internal/Spans.js"
import { codeMail } from "./CodeMail.js"
import { defaultDeliveryTimeout, DeliveryError, OtpSender, type OtpSenderService } from "./Delivery.js"

/** Where and how code emails are sent. */
export interface SmtpSenderOptions {
  /** `smtp://[user:pass@]host[:port]` or `smtps://…`; nodemailer's `?tls.*` query options apply. */
  readonly url: Redacted.Redacted<URL>
  /** The `From` header, e.g. `Rampart <no-reply@example.com>`. */
  readonly from: string
  /** The bound on one send: connecting, the greeting, each reply and the whole session (default 10 s). */
  readonly timeout?: Duration.DurationInput
}

/** A nodemailer failure as a `DeliveryError` naming only its error code and SMTP reply code. */
const deliveryError = (error: unknown): DeliveryError => {
  const { code, responseCode } = (typeof error === "object" && error !== null ? error : {}) as {
    readonly code?: unknown
    readonly responseCode?: unknown
  }
  const name = typeof code === "string" && /^[A-Z_]{1,32}$/.test(code) ? code : "error"
  const reply = typeof responseCode === "number" ? ` (SMTP ${responseCode})` : ""
  // The cause is dropped on purpose: nodemailer's error may carry the server's reply and the envelope.
  return new DeliveryError({ message: `SMTP delivery failed: ${name}${reply}` })
}

/** Sends EMAIL codes by SMTP; the transport lives as long as the scope. Other channels are a defect (route them elsewhere). */
export const makeSmtpSender = (options: SmtpSenderOptions) =>
  Effect.gen(function*() {
    const timeout = Duration.decode(options.timeout ?? defaultDeliveryTimeout)
    const millis = Duration.toMillis(timeout)
    const nodemailer = yield* Effect.promise(() => import("nodemailer"))
    const transporter: Transporter = yield* Effect.acquireRelease(
      Effect.sync(() =>
        nodemailer.createTransport({
          url: Redacted.value(options.url).href,
          connectionTimeout: millis,
          greetingTimeout: millis,
          socketTimeout: millis,
          disableFileAccess: true,
          disableUrlAccess: true
        })
      ),
      (transporter) => Effect.sync(() => transporter.close())
    )
    const sender: OtpSenderService = {
      send: (message) => {
        if (message.channel !== "EMAIL") return Effect.dieMessage(`the SMTP sender was given a ${message.channel} code`)
        const mail = codeMail(message.to, Redacted.value(message.code))
        return Effect.tryPromise({
          try: (signal) => transporter.sendMail({ from: options.from, to: message.to, ...mail, signal }),
          catch: deliveryError
        }).pipe(
          Effect.timeoutFail({
            duration: timeout,
            onTimeout: () => new DeliveryError({ message: "SMTP delivery failed: timeout" })
          }),
          Effect.asVoid,
          traced("SmtpSender.send")
        )
      }
    }
    return sender
  })

/** `makeSmtpSender` as the `OtpSender` (every channel given to it must be EMAIL). */
export const layerSmtpSender = (options: SmtpSenderOptions) => Layer.scoped(OtpSender, makeSmtpSender(options))
