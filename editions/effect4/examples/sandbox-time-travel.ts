/**
 * Recipe (Effect 4): walk an hour of a partner session in milliseconds. The sandbox jumps 61
 * minutes ahead (`POST /sandbox/clock`); the session, running on `SandboxClient`'s clock, sees its
 * hour run out, logs in again by itself with a code for sandbox time, and the old access token is
 * refused because its session expired at sandbox time.
 */
import { Effect, Redacted, Result } from "effect"
import { HttpApiClient } from "effect/http-api"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import { AuthClient, type AuthClientOptions, PartnerSession, RampartApi, SandboxClient, Totp } from "rampart-effect4"

/** The partner the recipe creates in the sandbox. */
export interface SandboxPartnerInput {
  readonly email: string
  readonly password: string
  /** A base32 TOTP secret to give the partner (one is generated without it). */
  readonly totpSecret?: string | undefined
}

/** `POST /api/v1/partners/auth/logout` with `token`: `AuthError` when the server refuses it. */
const logoutWith = (token: Redacted.Redacted<string>) =>
  Effect.gen(function*() {
    const { baseUrl, httpClient } = yield* AuthClient
    const partners = yield* HttpApiClient.group(RampartApi, {
      group: "partners",
      httpClient: httpClient.pipe(HttpClient.mapRequest(HttpClientRequest.bearerToken(token))),
      baseUrl
    })
    return yield* partners.logout()
  })

/** Creates a partner, opens its session, jumps 61 minutes and compares the tokens before and after. */
export const program = (input: SandboxPartnerInput) =>
  Effect.gen(function*() {
    const sandbox = yield* SandboxClient
    const password = Redacted.make(input.password)
    const partner = yield* sandbox.createPartner({
      email: input.email,
      password,
      ...(input.totpSecret === undefined ? {} : { totp_secret: input.totpSecret })
    })
    const session = yield* PartnerSession.make({
      email: input.email,
      password,
      clientId: partner.client_id,
      clientSecret: Redacted.make(partner.client_secret),
      totpSecret: Redacted.make(partner.totp_secret)
    })
    const before = yield* session.accessToken // a session of 3600 s, renewed 60 s before it ends

    const jumped = yield* sandbox.advance(61 * 60)
    // The background renewal was asleep on sandbox time: the jump wakes it, and it logs in again
    // with the code of the sandbox's current TOTP step (a code for wall time would be refused).
    const after = yield* session.accessToken

    // The old token's session ended at sandbox time; the server refuses it.
    const old = yield* Effect.result(logoutWith(before))
    return {
      before: Redacted.value(before),
      after: Redacted.value(after),
      offsetSeconds: jumped.offsetSeconds,
      oldToken: Result.match(old, { onFailure: (error) => error._tag, onSuccess: () => "accepted" })
    }
  }).pipe(Effect.scoped) // the session logs out (with the renewed token) when this scope closes

/** Runs `program` against the sandbox at `baseUrl`, everything on sandbox time. */
export const run = (baseUrl: string, input: SandboxPartnerInput, client: Omit<AuthClientOptions, "baseUrl"> = {}) =>
  program(input).pipe(
    Effect.provide(Totp.layer),
    Effect.provide(SandboxClient.layerClock), // the Clock of everything above: codes, expiries, sleeps
    Effect.provide(SandboxClient.layer),
    Effect.provide(AuthClient.layer({ baseUrl, ...client }))
  )
