/**
 * Recipe (Effect 4): log in once and keep a Criptan session fresh. `Session` holds the credentials
 * as `Redacted`, refreshes the idToken before it expires (one refresh shared by all callers),
 * retries a call once after a 403, logs in again when the refresh token is refused, and stops with
 * its scope.
 */
import { Effect, Redacted } from "effect"
import { AuthClient, Session } from "rampart-effect4"

/** Asks for an EMAIL code through the session, refreshes, and reads the idToken again. */
export const program = Effect.gen(function*() {
  const session = yield* Session
  const first = yield* session.otp.requestCode({ query: { method: "EMAIL" } })
  yield* session.refresh // what the session does by itself 60 s before `exp`
  const token = yield* session.idToken
  return { channel: first.channel, tokenLength: Redacted.value(token).length }
})

/** Runs `program` against the server at `baseUrl` for the user `email` / `password`. */
export const run = (baseUrl: string, email: string, password: string) =>
  program.pipe(
    Effect.provide(Session.layer({ email, password: Redacted.make(password), device: "recipe/keep-fresh" })),
    Effect.provide(AuthClient.layer({ baseUrl }))
  )
