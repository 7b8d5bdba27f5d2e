/**
 * Recipe (Effect 4): enrol a TOTP authenticator. Create the secret, show its `otpauth://` URI (as a
 * QR code in a real app), and validate it with a current code from the authenticator (here: the
 * `Totp` layer).
 */
import { Console, Effect, Redacted } from "effect"
import { AuthClient, Session, Totp, VerifyOtpRequest } from "rampart-effect4"

/** Creates and validates a TOTP secret for the session's user; returns the URI and the profile. */
export const program = Effect.gen(function*() {
  const session = yield* Session
  const totp = yield* Totp
  const enrolment = yield* session.otp.createTotpSecret({ payload: {} })
  yield* Console.log(`scan this in your authenticator: ${enrolment.totp.uri}`)
  const code = yield* totp.generate(enrolment.totp.secret) // the user types this from the app
  const profile = yield* session.otp.verifyCode({
    headers: { "x-otp": code },
    payload: new VerifyOtpRequest({ channel: "TOTP" })
  })
  return { uri: enrolment.totp.uri, hasValidatedSecret: profile.hasValidatedSecret }
})

/** Runs `program` against the server at `baseUrl`. */
export const run = (baseUrl: string, email: string, password: string) =>
  program.pipe(
    Effect.provide(Session.layer({ email, password: Redacted.make(password) })),
    Effect.provide(Totp.layer),
    Effect.provide(AuthClient.layer({ baseUrl }))
  )
