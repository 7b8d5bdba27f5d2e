/**
 * Recipe (Effect 4): handle Rampart's typed errors. Every endpoint's error channel names the
 * documented errors, so `Effect.catchTag` recovers from exactly one of them — here
 * `AttemptsExhausted`, whose `retryAfterSeconds` says how long to wait before asking for another code.
 */
import { Effect, Redacted } from "effect"
import { AuthClient, LoginRequest, Session } from "rampart-effect4"

/** Asks for an EMAIL code twice; the second is throttled and reported as a wait, not a failure. */
export const program = Effect.gen(function*() {
  const session = yield* Session
  const request = session.otp.requestCode({ query: { method: "EMAIL" } }).pipe(
    Effect.map((status) => ({ sent: true as const, validUntil: status.validUntil })),
    Effect.catchTag(
      "AttemptsExhausted",
      (error) => Effect.succeed({ sent: false as const, retryAfterSeconds: error.retryAfterSeconds })
    ),
    Effect.catchTag("MethodNotAllowed", (error) => Effect.die(error)) // not expected for EMAIL
  )
  return [yield* request, yield* request] as const
})

/** Wrong credentials are an `AuthError` in the error channel, recovered by tag. */
export const wrongPassword = (email: string) =>
  Effect.gen(function*() {
    const client = yield* AuthClient
    const payload = new LoginRequest({ email, password: Redacted.make("not my password") })
    return yield* client.auth.login({ payload }).pipe(
      Effect.as("logged in"),
      Effect.catchTag("AuthError", (error) => Effect.succeed(`refused: ${error.message}`))
    )
  })

/** Runs both against the server at `baseUrl`. */
export const run = (baseUrl: string, email: string, password: string) =>
  Effect.all([program, wrongPassword(email)]).pipe(
    Effect.provide(Session.layer({ email, password: Redacted.make(password) })),
    Effect.provide(AuthClient.layer({ baseUrl }))
  )
