/**
 * A long-lived Criptan session: logs in with email and password, keeps the idToken fresh and
 * authenticates calls with it.
 *
 * - Credentials stay `Redacted`; tokens are held in a `SynchronizedRef` (see `TokenKeeper`), so two
 *   refreshes never run at once and concurrent callers that find the token stale share one refresh.
 * - The idToken's `exp` and `iat` are read from its payload with Schema. It is refreshed `margin`
 *   (60 s by default, at most half its lifetime) before it expires: proactively by a background
 *   fiber sleeping on Effect's `Clock`, and lazily by any call that finds it due. The lifetime
 *   `exp − iat` is measured on the server's clock and counted from the moment the login or refresh
 *   request left on ours, so a skew between the two clocks never makes the session refresh early
 *   in a loop or late; with agreeing clocks the refresh happens at `exp − margin` or a little before.
 * - A call refused with `AuthError` (403) is sent once more after a refresh; when the refresh token
 *   is refused, the session logs in again with the password.
 * - The background work stops when the session's `Scope` closes.
 */
import { HttpApiClient, HttpClient, type HttpClientError, HttpClientRequest } from "@effect/platform"
import { Clock, Context, Duration, Effect, Layer, Option, ParseResult, Predicate, Redacted, Schema } from "effect"
import type { Scope } from "effect"
import { RampartApi } from "../Api/RampartApi.js"
import { LoginRequest, type LoginResponse, RefreshRequest } from "../Domain/Credentials.js"
import type { AuthError } from "../Domain/Errors.js"
import { AuthClient, type RampartApiError, type RampartGroups } from "./AuthClient.js"
import { makeTokenKeeper, type TokenKeeper } from "./TokenKeeper.js"
import { traced } from "../Spans.js"

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
  /** An `HttpClient` that sends the session's idToken as `Authorization: Bearer` (and retries a 403 once). */
  readonly httpClient: HttpClient.HttpClient.With<HttpClientError.HttpClientError | SessionError>
  /** Runs `f` with a valid idToken; when it fails with `AuthError`, refreshes and runs it once more. */
  readonly withAuth: <A, E, R>(
    f: (idToken: Redacted.Redacted<string>) => Effect.Effect<A, E, R>
  ) => Effect.Effect<A, E | SessionError, R>
}

/** The default refresh margin. */
export const DEFAULT_REFRESH_MARGIN: Duration.Duration = Duration.seconds(60)

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

interface Tokens {
  readonly idToken: Redacted.Redacted<string>
  readonly refreshToken: Redacted.Redacted<string>
}

const isAuthError = (error: unknown): boolean => Predicate.isTagged(error, "AuthError")

/** Logs in and keeps the session fresh until the scope closes. */
const make = (options: SessionOptions): Effect.Effect<SessionService, SessionError, AuthClient | Scope.Scope> =>
  Effect.gen(function*() {
    const client = yield* AuthClient
    const baseUrl = client.baseUrl
    const device = options.device
    const base = device === undefined
      ? client.httpClient
      : client.httpClient.pipe(HttpClient.mapRequest(HttpClientRequest.setHeader("user-agent", device)))
    const auth = yield* HttpApiClient.group(RampartApi, { group: "auth", httpClient: base, baseUrl })
    const marginMs = Duration.toMillis(options.refreshMargin ?? DEFAULT_REFRESH_MARGIN)

    /** The lease of a fresh idToken obtained by a request sent at `sentAt` (local millis). */
    const lease = (idToken: string, refreshToken: Redacted.Redacted<string>, sentAt: number) =>
      Effect.map(decodeTimes(idToken), ({ exp, iat }) => {
        const lifetimeMs = (exp - iat) * 1000
        return {
          value: { idToken: Redacted.make(idToken), refreshToken },
          renewAt: sentAt + lifetimeMs - Math.min(marginMs, lifetimeMs / 2)
        }
      })

    const login = Effect.gen(function*() {
      const sentAt = yield* Clock.currentTimeMillis
      // Unvalidated construction: a bad email or password is a typed ParseError when encoded.
      const response: LoginResponse = yield* auth.login({
        payload: new LoginRequest({ email: options.email, password: options.password }, true)
      })
      return yield* lease(response.idToken, Redacted.make(response.refreshToken), sentAt)
    }).pipe(traced("Session.login"))

    const refresh = (tokens: Tokens) =>
      Effect.gen(function*() {
        const sentAt = yield* Clock.currentTimeMillis
        const response = yield* auth.refresh({ payload: new RefreshRequest({ refreshToken: tokens.refreshToken }, true) })
        return yield* lease(response.idToken, tokens.refreshToken, sentAt)
      }).pipe(
        traced("Session.refresh"),
        Effect.catchTag("AuthError", () =>
          Effect.zipRight(Effect.logInfo("Session: refresh token refused; logging in again"), login))
      )

    const keeper: TokenKeeper<Tokens, SessionError> = yield* makeTokenKeeper<Tokens, SessionError>({
      name: "Session",
      acquire: Option.match({ onNone: () => login, onSome: refresh }),
      // Refused credentials and refused requests do not get better by repeating them.
      isFatal: (error) => error._tag === "AuthError" || error._tag === "HttpApiDecodeError"
    })

    const withAuth = <A, E, R>(
      f: (idToken: Redacted.Redacted<string>) => Effect.Effect<A, E, R>
    ): Effect.Effect<A, E | SessionError, R> =>
      Effect.flatMap(keeper.current, (current) =>
        f(current.value.idToken).pipe(
          Effect.catchIf(isAuthError, () => Effect.flatMap(keeper.renew(current.generation), (next) => f(next.value.idToken)))
        ))

    /** Sends with the current idToken; on 403 (the contract's only 403 is `AuthError`) refreshes and sends once more. */
    const httpClient = HttpClient.makeWith(
      (request: Effect.Effect<HttpClientRequest.HttpClientRequest, HttpClientError.HttpClientError | SessionError>) =>
        Effect.flatMap(request, (request) =>
          Effect.gen(function*() {
            const current = yield* keeper.current
            const first = yield* base.execute(HttpClientRequest.bearerToken(request, current.value.idToken))
            if (first.status !== 403) return first
            const next = yield* keeper.renew(current.generation)
            return yield* base.execute(HttpClientRequest.bearerToken(request, next.value.idToken))
          })),
      Effect.succeed
    )

    const otp: SessionOtpClient = yield* HttpApiClient.group(RampartApi, { group: "otp", httpClient, baseUrl })

    return {
      idToken: Effect.map(keeper.current, (current) => current.value.idToken),
      refresh: Effect.flatMap(keeper.peek, (current) => keeper.renew(current.generation)).pipe(Effect.asVoid),
      otp,
      httpClient,
      withAuth
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
