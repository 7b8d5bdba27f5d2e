/**
 * A long-lived Criptan session: logs in with email and password and renews its idToken with the
 * refresh token. Everything else (one shared renewal for all callers, renewing before expiry in the
 * background and lazily, `withAuth`, the 403-retrying `httpClient`, stopping with the `Scope`) is
 * `TokenKeeper`'s.
 *
 * - Credentials stay `Redacted`; `device` is sent as `User-Agent` on every request.
 * - The idToken lives `exp − iat`, both read from its payload with Schema: measured on the server's
 *   clock, so a skew between the two clocks does not matter. It is renewed `refreshMargin` (60 s by
 *   default) before that runs out.
 * - When the refresh token is refused, the session logs in again with the password.
 * - `otp` is the typed OTP group of the contract, authenticated with the idToken.
 */
import * as HttpApiClient from "@effect/platform/HttpApiClient"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { RampartApi } from "../Api/RampartApi.js"
import { LoginRequest, type LoginResponse, RefreshRequest } from "../Domain/Credentials.js"
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
import { DEFAULT_RENEWAL_MARGIN_MILLIS } from "../Shared/ClientRules.js"
import { AuthClient, type RampartApiError, type RampartGroups } from "./AuthClient.js"
import { type Bearer, makeTokenKeeper } from "./TokenKeeper.js"

/** How to open a `Session`. */
export interface SessionOptions {
  readonly email: string
  readonly password: Redacted.Redacted<string>
  /** Sent as `User-Agent`; the server records it as `lastLoggedDevice`. */
  readonly device?: string | undefined
  /** How long before the idToken expires it is refreshed; 60 seconds by default. */
  readonly refreshMargin?: Duration.DurationInput | undefined
}

/** Why a session could not get a valid idToken. */
export type SessionError = AuthError | RampartApiError | HttpClientError.HttpClientError | ParseResult.ParseError

/** The `otp` group of the typed client, authenticated by the session. */
export type SessionOtpClient = HttpApiClient.Client.Group<
  RampartGroups,
  "otp",
  RampartApiError | SessionError,
  never
>

/** A live Criptan session. */
export interface SessionService {
  /** A valid idToken (refreshed first when due). */
  readonly idToken: Effect.Effect<Redacted.Redacted<string>, SessionError>
  /** Refreshes the idToken now, sharing the refresh with any already under way. */
  readonly refresh: Effect.Effect<void, SessionError>
  /** The OTP endpoints (`/auth/otp/...`), sent with the session's idToken. */
  readonly otp: SessionOtpClient
  /**
   * Step-up (`POST /auth/otp/verify`): consumes `code` (a current TOTP code, or the code last sent to a
   * validated channel) and answers which channel it was; `InvalidOtp`, `AttemptsExhausted` or `NotConfigured` otherwise.
   */
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

/** The payload segment of a compact JWS (three dot-separated segments); decode only. */
const JwsPayloadSegment = Schema.transformOrFail(Schema.String, Schema.String, {
  strict: true,
  decode: (token, _, ast) => {
    const parts = token.split(".")
    return parts.length === 3 && parts[1] !== undefined && parts[1] !== ""
      ? ParseResult.succeed(parts[1])
      : ParseResult.fail(new ParseResult.Type(ast, token, "an idToken must be a compact JWS of three segments"))
  },
  encode: (segment, _, ast) => ParseResult.fail(new ParseResult.Forbidden(ast, segment, "decode only"))
})

/** The time claims the session needs: `exp` after `iat`, both NumericDates (seconds). */
const IdTokenTimes = Schema.Struct({
  exp: Schema.Number.pipe(Schema.finite()),
  iat: Schema.Number.pipe(Schema.finite())
}).pipe(Schema.filter((claims) => claims.exp > claims.iat || "the idToken must expire after it is issued"))

/** The `exp` and `iat` claims of an idToken, read from its payload (the signature is the server's business). */
export const IdTokenTimesFromJwt = Schema.compose(
  JwsPayloadSegment,
  Schema.compose(Schema.StringFromBase64Url, Schema.parseJson(IdTokenTimes))
)

const decodeTimes = Schema.decode(IdTokenTimesFromJwt)

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
      // Unvalidated construction: a bad email or password is a typed ParseError when encoded.
      const response: LoginResponse = yield* auth.login({
        payload: new LoginRequest({ email: options.email, password: options.password }, true)
      })
      return yield* acquired(response.idToken, Redacted.make(response.refreshToken), sentAt)
    }).pipe(traced("Session.login"))

    const refresh = (tokens: Tokens) =>
      Effect.gen(function*() {
        const sentAt = yield* Clock.currentTimeMillis
        const response = yield* auth.refresh({
          payload: new RefreshRequest({ refreshToken: tokens.refreshToken }, true)
        })
        return yield* acquired(response.idToken, tokens.refreshToken, sentAt)
      }).pipe(
        traced("Session.refresh"),
        Effect.catchTag(
          "AuthError",
          () => Effect.zipRight(Effect.logInfo("Session: refresh token refused; logging in again"), login)
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
export class Session extends Context.Tag("Rampart/Client/Session")<Session, SessionService>() {
  /** Logs in and keeps the idToken fresh until the scope closes. */
  static readonly make = make

  /** The session as a Layer over `AuthClient`. */
  static readonly layer = (options: SessionOptions): Layer.Layer<Session, SessionError, AuthClient> =>
    Layer.scoped(Session, make(options))
}
