/**
 * Recipe (Effect 4): a KriptoAPI partner session with automatic security codes. `PartnerSession`
 * makes each `security_code` from the TOTP secret (what the docs do with `oathtool --totp -b`),
 * never reuses a TOTP step, logs in again before `expires_in` runs out, and logs out when its scope
 * closes.
 */
import { Effect, Redacted } from "effect"
import { AuthClient, PartnerSession } from "rampart-effect4"

/** What a partner integration is given on its account page. */
export interface PartnerCredentialsInput {
  readonly email: string
  readonly password: string
  readonly clientId: number
  readonly clientSecret: string
  readonly totpSecret: string
}

/** Gets a live access token (the session logs in, renews, and logs out on its own). */
export const program = Effect.gen(function*() {
  const session = yield* PartnerSession
  const token = yield* session.accessToken
  return Redacted.value(token)
})

/** Runs `program` in a scope: when it ends, the session logs out and the token stops working. */
export const run = (baseUrl: string, credentials: PartnerCredentialsInput) =>
  program.pipe(
    Effect.provide(
      PartnerSession.layer({
        email: credentials.email,
        password: Redacted.make(credentials.password),
        clientId: credentials.clientId,
        clientSecret: Redacted.make(credentials.clientSecret),
        totpSecret: Redacted.make(credentials.totpSecret),
        expiresIn: 600
      })
    ),
    Effect.provide(AuthClient.layer({ baseUrl }))
  )
