/**
 * Recipe (Effect 4): step-up with `x-otp` using an EMAIL code. Ask for a code, let the user read it
 * from their mailbox (here: the sandbox outbox), and send it in the `x-otp` header of
 * `POST /auth/otp/code`.
 */
import { Effect, Redacted } from "effect"
import { AuthClient, SandboxClient, Session, VerifyOtpRequest } from "rampart-effect4"

/** Requests an EMAIL code and verifies the email channel with it. */
export const program = (email: string) =>
  Effect.gen(function*() {
    const session = yield* Session
    const sandbox = yield* SandboxClient
    const status = yield* session.otp.requestCode({ query: { method: "EMAIL" } })
    // In production the code arrives by email; the sandbox keeps it in its outbox.
    const [message] = yield* sandbox.outbox(email)
    const profile = yield* session.otp.verifyCode({
      headers: { "x-otp": message!.code },
      payload: new VerifyOtpRequest({ channel: "EMAIL" })
    })
    return { validUntil: status.validUntil, hasValidatedEmail: profile.hasValidatedEmail }
  })

/** Runs `program` against the server at `baseUrl`. */
export const run = (baseUrl: string, email: string, password: string) =>
  program(email).pipe(
    Effect.provide(Session.layer({ email, password: Redacted.make(password) })),
    Effect.provide(SandboxClient.layer),
    Effect.provide(AuthClient.layer({ baseUrl }))
  )
