/**
 * A long-lived KriptoAPI partner session: logs in with email, password, client credentials and a
 * TOTP `security_code`, renews by logging in again, and logs out when its scope closes. The same
 * behaviour as the Effect 3 edition's `PartnerSession`:
 *
 * - Every secret stays `Redacted` until it is sent or used.
 * - The `security_code` is made by the `Totp` service at `Clock` time; the session never sends a
 *   second code from a TOTP step it already used (RFC 6238 §5.2): it sleeps until the next step.
 * - The session lives `expires_in` from when the login request left; it is renewed `renewMargin`
 *   (60 s by default) before that runs out.
 * - Background logins stop at refused credentials and wait out `AttemptsExhausted`'s `retryAfterSeconds`.
 * - On scope close: the background fiber stops, then `POST /api/v1/partners/auth/logout` revokes
 *   the current access token (a failure is logged, not raised).
 */
import { DEFAULT_RENEWAL_MARGIN_MILLIS } from "#shared/ClientRules.js"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as HttpApiClient from "effect/http-api/HttpApiClient"
import * as HttpClient from "effect/http/HttpClient"
import type * as HttpClientError from "effect/http/HttpClientError"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Ref from "effect/Ref"
import type * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { RampartApi } from "../Api/RampartApi.js"
import type { AttemptsExhausted, AuthError, InvalidOtp } from "../Domain/Errors.js"
import { PartnerLoginRequest } from "../Domain/Partner.js"
import { traced } from "../internal/Spans.js"
import { Totp, type TotpFormatError, waitForStepAfter } from "../Totp.js"
import { AuthClient, type RampartApiError } from "./AuthClient.js"
import { makeTokenKeeper } from "./TokenKeeper.js"

/** How to open a `PartnerSession`. */
export interface PartnerSessionOptions {
  readonly email: string
  readonly password: Redacted.Redacted<string>
  readonly clientId: number
  readonly clientSecret: Redacted.Redacted<string>
  /** The partner's base32 TOTP secret (`oathtool --totp -b SECRET` makes the same codes). */
  readonly totpSecret: Redacted.Redacted<string>
  /** The session length asked of the server, 1..3600 seconds; the server's default (3600) when absent. */
  readonly expiresIn?: number | undefined
  /** How long before the session expires a new login is made; 60 seconds by default. */
  readonly renewMargin?: Duration.Input | undefined
}

/** Why a partner session could not get a valid access token. */
export type PartnerSessionError =
  | AuthError
  | InvalidOtp
  | AttemptsExhausted
  | RampartApiError
  | TotpFormatError
  | HttpClientError.HttpClientError
  | Schema.SchemaError

/** A live partner session. */
export interface PartnerSessionService {
  /** A valid access token (a new login first when the session is due for renewal). */
  readonly accessToken: Effect.Effect<Redacted.Redacted<string>, PartnerSessionError>
  /** Runs `f` with a valid access token; when it fails with `AuthError`, logs in again and runs it once more. */
  readonly withAuth: <A, E, R>(
    f: (accessToken: Redacted.Redacted<string>) => Effect.Effect<A, E, R>
  ) => Effect.Effect<A, E | PartnerSessionError, R>
  /** An `HttpClient` that sends the access token as `Authorization: Bearer` (and retries a 403 once). */
  readonly httpClient: HttpClient.HttpClient.With<HttpClientError.HttpClientError | PartnerSessionError>
}

/** The default renewal margin. */
export const DEFAULT_RENEW_MARGIN: Duration.Duration = Duration.millis(DEFAULT_RENEWAL_MARGIN_MILLIS)

/** Logs in and keeps the session alive until the scope closes, then logs out. */
const make = (
  options: PartnerSessionOptions
): Effect.Effect<PartnerSessionService, PartnerSessionError, AuthClient | Totp | Scope.Scope> =>
  Effect.gen(function*() {
    const { baseUrl, httpClient } = yield* AuthClient
    const totp = yield* Totp
    /** The last TOTP step a code was sent from; only touched inside a (single-flight) login. */
    const lastStep = yield* Ref.make(Option.none<number>())

    /** A code from a step after the last one used, waiting for the next step when needed. */
    const nextCode = Effect.gen(function*() {
      while (true) {
        const used = yield* Ref.get(lastStep)
        const step = yield* totp.currentStep()
        if (Option.isSome(used) && step <= used.value) {
          yield* Effect.logDebug("PartnerSession: waiting for the next TOTP step")
          yield* waitForStepAfter(used.value)
          continue
        }
        const code = yield* totp.generate(options.totpSecret)
        // A step boundary between the two readings leaves the code's step unknown: make another.
        if ((yield* totp.currentStep()) !== step) continue
        // Recorded before sending: a code whose answer is lost may still have been accepted.
        yield* Ref.set(lastStep, Option.some(step))
        return code
      }
    })

    const partnersWith = (token: Redacted.Redacted<string>) =>
      HttpApiClient.group(RampartApi, {
        group: "partners",
        httpClient: httpClient.pipe(HttpClient.mapRequest(HttpClientRequest.bearerToken(token))),
        baseUrl
      })

    const partners = yield* HttpApiClient.group(RampartApi, { group: "partners", httpClient, baseUrl })

    const login = Effect.gen(function*() {
      const code = yield* nextCode
      const sentAt = yield* Clock.currentTimeMillis
      // Unchecked construction: bad input is a typed SchemaError when the request is encoded.
      const payload = new PartnerLoginRequest({
        email: options.email,
        password: options.password,
        client_id: options.clientId,
        client_secret: options.clientSecret,
        security_code: code,
        ...(options.expiresIn !== undefined ? { expires_in: options.expiresIn } : {})
      }, { disableChecks: true })
      const response = yield* partners.login({ payload })
      return {
        value: { token: Redacted.make(response.access_token) },
        sentAt,
        lifetime: Duration.seconds(response.expires_in)
      }
    }).pipe(traced("PartnerSession.login"))

    const keeper = yield* makeTokenKeeper<{ readonly token: Redacted.Redacted<string> }, PartnerSessionError>({
      name: "PartnerSession",
      acquire: () => login,
      margin: options.renewMargin ?? DEFAULT_RENEW_MARGIN,
      httpClient,
      // Refused credentials count towards the client's lockout: repeating them can only lock it.
      isFatal: (error) =>
        error._tag === "AuthError" || error._tag === "HttpApiDecodeError" || error._tag === "TotpFormatError",
      retryAfter: (error) =>
        error._tag === "AttemptsExhausted" ? Option.some(Duration.seconds(error.retryAfterSeconds)) : Option.none(),
      release: ({ token }) =>
        Effect.flatMap(partnersWith(token), (authed) => authed.logout()).pipe(traced("PartnerSession.logout"))
    })

    return {
      accessToken: keeper.token,
      withAuth: keeper.withAuth,
      httpClient: keeper.httpClient
    } satisfies PartnerSessionService
  })

/** A KriptoAPI partner session as a service: `PartnerSession.make(options)` (scoped) or `.layer(options)`. */
export class PartnerSession extends Context.Service<PartnerSession, PartnerSessionService>()(
  "Rampart/Client/PartnerSession"
) {
  /** Logs in and keeps the session alive until the scope closes, then logs out. */
  static readonly make = make

  /** The session as a Layer over `AuthClient` (the `Totp` service is included). */
  static readonly layer = (
    options: PartnerSessionOptions
  ): Layer.Layer<PartnerSession, PartnerSessionError, AuthClient> =>
    Layer.effect(PartnerSession, make(options)).pipe(Layer.provide(Totp.layer))
}
