/**
 * A long-lived Criptan session: logs in with email and password and renews its idToken with the
 * refresh token. Everything else (one shared renewal for all callers, renewing before expiry in the
 * background and lazily, `withAuth`, the 403-retrying `httpClient`, stopping with the `Scope`) is
 * `TokenKeeper`'s. The same behaviour as the Effect 3 edition's `Session`:
 *
 * - Credentials stay `Redacted`; `device` is sent as `User-Agent` on every request.
 * - The idToken lives `exp − iat`, both read from its payload with Schema (the server's clock), and
 *   is renewed `refreshMargin` (60 s by default) before that runs out.
 * - When the refresh token is refused, the session logs in again with the password.
 * - `otp` is the typed OTP group of the contract, authenticated with the idToken.
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
import * as Schema from "effect/Schema"
import * as SchemaGetter from "effect/SchemaGetter"
import type * as Scope from "effect/Scope"
import { RampartApi } from "../Api/RampartApi.js"
import { LoginRequest, RefreshRequest } from "../Domain/Credentials.js"
import type {
  AttemptsExhausted,
  AuthError,
  InternalError,
  InvalidOtp,
  NotConfigured,
  ServiceUnavailable
} from "../Domain/Errors.js"
import type { StepUpProof } from "../Domain/Otp.js"
import { traced } from "../internal/Spans.js"
import { AuthClient, type RampartApiError } from "./AuthClient.js"
import { type Bearer, makeTokenKeeper } from "./TokenKeeper.js"

/** How to open a `Session`. */
export interface SessionOptions {
  readonly email: string
  readonly password: Redacted.Redacted<string>
  /** Sent as `User-Agent`; the server records it as `lastLoggedDevice`. */
  readonly device?: string | undefined
  /** How long before the idToken expires it is refreshed; 60 seconds by default. */
  readonly refreshMargin?: Duration.Input | undefined
}

/** Why a session could not get a valid idToken. */
export type SessionError = AuthError | RampartApiError | HttpClientError.HttpClientError | Schema.SchemaError

/** The `otp` group of the typed client, authenticated by the session. */
export type SessionOtpClient = HttpApiClient.ForApi<typeof RampartApi, SessionError>["otp"]

/** A live Criptan session. */
export interface SessionService {
  /** A valid idToken (refreshed first when due). */
  readonly idToken: Effect.Effect<Redacted.Redacted<string>, SessionError>
  /** Refreshes the idToken now, sharing the refresh with any already under way. */
  readonly refresh: Effect.Effect<void, SessionError>
  /** The OTP endpoints (`/auth/otp/...`), sent with the session's idToken. */
  readonly otp: SessionOtpClient
  /** Step-up (`POST /auth/otp/verify`): consumes `code` and answers which channel it was. */
  readonly stepUp: (
    code: string
  ) => Effect.Effect<
    StepUpProof,
    InvalidOtp | AttemptsExhausted | NotConfigured | InternalError | ServiceUnavailable | SessionError
  >
  /** An `HttpClient` that sends the session's idToken as `Authorization: Bearer` (and retries a 403 once). */
  readonly httpClient: HttpClient.HttpClient.With<HttpClientError.HttpClientError | SessionError>
  /** Runs `f` with a valid idToken; when it fails with `AuthError`, refreshes and runs it once more. */
  readonly withAuth: <A, E, R>(
    f: (idToken: Redacted.Redacted<string>) => Effect.Effect<A, E, R>
  ) => Effect.Effect<A, E | SessionError, R>
}

/** The default refresh margin. */
export const DEFAULT_REFRESH_MARGIN: Duration.Duration = Duration.millis(DEFAULT_RENEWAL_MARGIN_MILLIS)

/** The payload text of a compact JWS (three dot-separated segments); decode only. */
const JwsPayloadText = Schema.String.check(
  Schema.makeFilter((token: string) => {
    const parts = token.split(".")
    return (parts.length === 3 && parts[1] !== "") || "an idToken must be a compact JWS of three segments"
  })
).pipe(
  Schema.decodeTo(Schema.String, {
    decode: SchemaGetter.transform((token: string) => Buffer.from(token.split(".")[1]!, "base64url").toString("utf8")),
    encode: SchemaGetter.forbidden(() => "decode only")
  })
)

/** The time claims the session needs: `exp` after `iat`, both NumericDates (seconds). */
const IdTokenTimes = Schema.Struct({ exp: Schema.Finite, iat: Schema.Finite }).check(
  Schema.makeFilter((claims) => claims.exp > claims.iat || "the idToken must expire after it is issued")
)

/** The `exp` and `iat` claims of an idToken, read from its payload (the signature is the server's business). */
export const IdTokenTimesFromJwt = JwsPayloadText.pipe(Schema.decodeTo(Schema.fromJsonString(IdTokenTimes)))

const decodeTimes = Schema.decodeEffect(IdTokenTimesFromJwt)

/** The idToken (`token`) and the refresh token that renews it. */
interface Tokens extends Bearer {
  readonly refreshToken: Redacted.Redacted<string>
}

/** Logs in and keeps the session fresh until the scope closes. */
const make = (options: SessionOptions): Effect.Effect<SessionService, SessionError, AuthClient | Scope.Scope> =>
  Effect.gen(function*() {
    const { baseUrl, httpClient } = yield* AuthClient
    const device = options.device
    const transport = device === undefined
      ? httpClient
      : httpClient.pipe(HttpClient.mapRequest(HttpClientRequest.setHeader("user-agent", device)))
    const auth = yield* HttpApiClient.group(RampartApi, { group: "auth", httpClient: transport, baseUrl })

    /** The tokens of an answer to a request sent at `sentAt`, living as long as the idToken says. */
    const acquired = (idToken: string, refreshToken: Redacted.Redacted<string>, sentAt: number) =>
      Effect.map(decodeTimes(idToken), ({ exp, iat }) => ({
        value: { token: Redacted.make(idToken), refreshToken },
        sentAt,
        lifetime: Duration.seconds(exp - iat)
      }))

    const login = Effect.gen(function*() {
      const sentAt = yield* Clock.currentTimeMillis
      // Unchecked construction: a bad email or password is a typed SchemaError when encoded.
      const response = yield* auth.login({
        payload: new LoginRequest({ email: options.email, password: options.password }, { disableChecks: true })
      })
      return yield* acquired(response.idToken, Redacted.make(response.refreshToken), sentAt)
    }).pipe(traced("Session.login"))

    const refresh = (tokens: Tokens) =>
      Effect.gen(function*() {
        const sentAt = yield* Clock.currentTimeMillis
        const response = yield* auth.refresh({
          payload: new RefreshRequest({ refreshToken: tokens.refreshToken }, { disableChecks: true })
        })
        return yield* acquired(response.idToken, tokens.refreshToken, sentAt)
      }).pipe(
        traced("Session.refresh"),
        Effect.catchTag(
          "AuthError",
          () => Effect.andThen(Effect.logInfo("Session: refresh token refused; logging in again"), login)
        )
      )

    const keeper = yield* makeTokenKeeper<Tokens, SessionError>({
      name: "Session",
      acquire: Option.match({ onNone: () => login, onSome: refresh }),
      margin: options.refreshMargin ?? DEFAULT_REFRESH_MARGIN,
      httpClient: transport,
      // Refused credentials and refused requests do not get better by repeating them.
      isFatal: (error) => error._tag === "AuthError" || error._tag === "HttpApiDecodeError"
    })
    const otp: SessionOtpClient = yield* HttpApiClient.group(RampartApi, {
      group: "otp",
      httpClient: keeper.httpClient,
      baseUrl
    })

    return {
      idToken: keeper.token,
      refresh: keeper.refresh,
      otp,
      stepUp: (code) => otp.stepUp({ headers: { "x-otp": code } }),
      httpClient: keeper.httpClient,
      withAuth: keeper.withAuth
    } satisfies SessionService
  })

/** A Criptan session as a service: `Session.make(options)` (scoped) or `Session.layer(options)`. */
export class Session extends Context.Service<Session, SessionService>()("Rampart/Client/Session") {
  /** Logs in and keeps the idToken fresh until the scope closes. */
  static readonly make = make

  /** The session as a Layer over `AuthClient`. */
  static readonly layer = (options: SessionOptions): Layer.Layer<Session, SessionError, AuthClient> =>
    Layer.effect(Session, make(options))
}
