/**
 * The typed Rampart client, derived from the `RampartApi` contract with `HttpApiClient`: every
 * endpoint is an `Effect` whose error channel holds the endpoint's documented errors, `InternalError`,
 * transport failures (`HttpClientError`) and decoding failures (`ParseError`) — a server that breaks
 * the contract is a typed `ParseError`, never a defect.
 *
 * Every attempt has a timeout (a timed-out attempt is a `RequestError` with reason `"Transport"`).
 * Timeouts and retry delays run on the `Clock` in place when the client is built, not on one the
 * program installs later (a sandbox clock that jumps must not end an attempt in flight).
 * Only requests that are safe to repeat are retried, on transport errors and 5xx answers, with a
 * capped, jittered exponential backoff (`retrySchedule`):
 * - `GET /health`, `GET /.well-known/jwks.json`, and the sandbox reads `GET /sandbox/outbox`,
 *   `GET /sandbox/clock`, `GET /sandbox/accounts`, `GET /sandbox/events` and `GET /sandbox`: reads.
 * - `POST /auth/login/refresh`: creates no state on the server (it reads the refresh token and signs
 *   a new idToken), so a repeat after a lost answer is harmless.
 * Never retried: `POST /auth/login` (each success creates a refresh token), `GET /auth/otp/code`
 * (a GET that sends a code and spends the send budget), OTP verification and TOTP deletion (a
 * repeat spends the single-use code or an attempt), partner login (consumes the TOTP step) and
 * every other write, the sandbox's included (`POST /sandbox/clock` would jump twice, a repeated
 * fault arms twice, a repeated reset or `DELETE /sandbox/faults` could undo what another caller
 * did in between). Their transport errors reach the caller, who knows whether a repeat is wise.
 */
import type * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiClient from "@effect/platform/HttpApiClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import type * as Clock from "effect/Clock"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import { RampartApi } from "../Api/RampartApi.js"
import { DEFAULT_BASE_URL, DEFAULT_TIMEOUT_MILLIS, isRetrySafeRoute, RETRY_BACKOFF } from "../Shared/ClientRules.js"

/** The groups of `RampartApi`, for typing derived clients. */
export type RampartGroups = typeof RampartApi extends HttpApi.HttpApi<infer _Id, infer Groups, infer _E, infer _R>
  ? Groups
  : never

/** Errors every endpoint may answer: `InternalError` (500), `ServiceUnavailable` (503) and `HttpApiDecodeError` (400, a refused request). */
export type RampartApiError = typeof RampartApi extends HttpApi.HttpApi<infer _Id, infer _Groups, infer E, infer _R> ? E
  : never

/** The typed client of the whole contract: `client.auth.login(...)`, `client.otp.requestCode(...)`, ... */
export type RampartClient = HttpApiClient.Client<RampartGroups, RampartApiError, never>

/** How the client reaches the server. */
export interface AuthClientOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:8080` (a path prefix is kept). */
  readonly baseUrl: string | URL
  /** Time allowed for one attempt to get a response; 10 seconds by default; `Duration.infinity` disables it. */
  readonly timeout?: Duration.DurationInput | undefined
  /** The backoff between retries of retry-safe requests; `retrySchedule` by default. */
  readonly retry?: Schedule.Schedule<unknown, unknown> | undefined
  /**
   * An extra transformation of the transport, innermost: it sees every attempt (retries included).
   * For instrumentation, e.g. counting attempts with `HttpClient.transform` (not `tapRequest`,
   * which runs once per call, before the base URL is prepended and before any retry).
   */
  readonly transformClient?: ((client: HttpClient.HttpClient) => HttpClient.HttpClient) | undefined
}

/** The settings `AuthClient` is built from. */
export class AuthClientSettings extends Context.Tag("Rampart/Client/AuthClientSettings")<
  AuthClientSettings,
  AuthClientOptions
>() {}

export { DEFAULT_BASE_URL } from "../Shared/ClientRules.js"

/** The default time allowed for one attempt. */
export const DEFAULT_TIMEOUT: Duration.Duration = Duration.millis(DEFAULT_TIMEOUT_MILLIS)

/** A timeout read as a duration ("10 seconds", "500 millis") or as a plain number of seconds ("10"). */
const timeoutConfig = (name: string): Config.Config<Duration.Duration> =>
  Config.duration(name).pipe(Config.orElse(() => Config.number(name).pipe(Config.map(Duration.seconds))))

/** `RAMPART_URL` (default `http://127.0.0.1:8080`) and `RAMPART_CLIENT_TIMEOUT` (default 10 seconds). */
export const authClientConfig: Config.Config<{ readonly baseUrl: string; readonly timeout: Duration.Duration }> = Config
  .all({
    baseUrl: Config.url("RAMPART_URL").pipe(
      Config.map((url) => url.toString()),
      Config.withDefault(DEFAULT_BASE_URL)
    ),
    timeout: timeoutConfig("RAMPART_CLIENT_TIMEOUT").pipe(Config.withDefault(DEFAULT_TIMEOUT))
  })

/**
 * Exponential backoff from 100 ms (doubling), jittered (×0.8..1.2), each delay capped at 2 s, at most
 * 3 retries (4 attempts in all).
 */
export const retrySchedule: Schedule.Schedule<unknown, unknown> = Schedule.exponential(
  Duration.millis(RETRY_BACKOFF.baseMillis),
  RETRY_BACKOFF.factor
).pipe(
  Schedule.jittered,
  Schedule.modifyDelay((_, delay) => Duration.min(delay, Duration.millis(RETRY_BACKOFF.capMillis))),
  Schedule.intersect(Schedule.recurs(RETRY_BACKOFF.retries))
)

/** Whether a request may be retried: only the reads and the refresh listed in the module comment. */
export const isRetrySafe = (request: HttpClientRequest.HttpClientRequest): boolean =>
  isRetrySafeRoute(request.method, request.url)

/** A 5xx answer held as a failure while retrying; the last one is handed back as a response. */
class ServerFailure {
  readonly _tag = "ServerFailure"
  constructor(readonly response: HttpClientResponse.HttpClientResponse) {}
}

const isRetryable = (error: HttpClientError.HttpClientError | ServerFailure): boolean =>
  error._tag === "ServerFailure" || (error._tag === "RequestError" && error.reason === "Transport")

/**
 * Runs the timing of `effect` (its timeout or retry delays) on `timer`, and `attempt`, which it
 * wraps, on the caller's `Clock`.
 */
const timedOn = <A, E, A2, E2>(
  timer: Clock.Clock,
  attempt: Effect.Effect<A, E>,
  timing: (attempt: Effect.Effect<A, E>) => Effect.Effect<A2, E2>
): Effect.Effect<A2, E2> =>
  Effect.clockWith((callers) => Effect.withClock(timing(Effect.withClock(attempt, callers)), timer))

/** Fails an attempt that has no response after `timeout` (of `timer`) with a transport `RequestError`. */
const withTimeout =
  (timeout: Duration.Duration, timer: Clock.Clock) => (client: HttpClient.HttpClient): HttpClient.HttpClient =>
    Duration.isFinite(timeout)
      ? HttpClient.transform(
        client,
        (effect, request) =>
          // A race with a sleep on `timer` itself: the attempt keeps the caller's Clock without the
          // two Clock provisions `Effect.timeoutFail` (which sleeps on the fiber's Clock) would need.
          Effect.raceFirst(
            effect,
            Effect.zipRight(
              timer.sleep(timeout),
              Effect.failSync(() =>
                new HttpClientError.RequestError({
                  request,
                  reason: "Transport",
                  description: `no response within ${Duration.format(timeout)}`
                })
              )
            )
          )
      )
      : client

/** Retries retry-safe requests on transport errors and 5xx answers (delays on `timer`); the last 5xx is returned for decoding. */
const withRetries =
  (schedule: Schedule.Schedule<unknown, unknown>, timer: Clock.Clock) =>
  (client: HttpClient.HttpClient): HttpClient.HttpClient =>
    HttpClient.transform(client, (effect, request) =>
      isRetrySafe(request)
        ? timedOn(
          timer,
          Effect.flatMap(effect, (response) =>
            response.status >= 500 ? Effect.fail(new ServerFailure(response)) : Effect.succeed(response)),
          (attempt) =>
            Effect.retry(attempt, { schedule, while: isRetryable })
        ).pipe(
          Effect.catchIf(
            (error): error is ServerFailure => error._tag === "ServerFailure",
            (failure) => Effect.succeed(failure.response)
          )
        )
        : effect)

/** Builds the client from `AuthClientSettings` over the `HttpClient` in context. */
const make = Effect.gen(function*() {
  const settings = yield* AuthClientSettings
  const baseUrl = settings.baseUrl.toString()
  const transport = yield* HttpClient.HttpClient
  // Timeouts and backoff run on the Clock in place now, so a Clock installed later for the
  // program (`SandboxClient.layerClock`, whose time jumps) never ends an attempt early.
  const timer = yield* Effect.clock
  /** The transport with the user's transformation, per-attempt timeout and retry policy (no base URL). */
  const httpClient = transport.pipe(
    settings.transformClient ?? ((client) => client),
    withTimeout(Duration.decode(settings.timeout ?? DEFAULT_TIMEOUT), timer),
    withRetries(settings.retry ?? retrySchedule, timer)
  )
  const client: RampartClient = yield* HttpApiClient.makeWith(RampartApi, { httpClient, baseUrl })
  return { ...client, httpClient, baseUrl }
})

/**
 * Node's undici transport (`NodeHttpClient.layerUndici`), its modules imported when the layer is
 * built: undici is ~50 ms of a cold `import("rampart")`, paid only by a program that builds the client.
 */
const layerUndici: Layer.Layer<HttpClient.HttpClient> = Layer.unwrapEffect(
  Effect.promise(() => import("@effect/platform-node/NodeHttpClient")).pipe(
    Effect.map((NodeHttpClient) => NodeHttpClient.layerUndici)
  )
)

/**
 * The typed client of `RampartApi` (`auth`, `otp`, `partners`, `sandbox`, `operations` groups), plus
 * its configured `httpClient` and `baseUrl` for deriving authenticated clients (see `Session`).
 */
export class AuthClient extends Effect.Service<AuthClient>()("Rampart/Client/AuthClient", {
  effect: make
}) {
  /** The client over explicit settings and Node's undici transport. */
  static readonly layer = (options: AuthClientOptions): Layer.Layer<AuthClient> =>
    AuthClient.Default.pipe(
      Layer.provide(Layer.succeed(AuthClientSettings, options)),
      Layer.provide(layerUndici)
    )

  /** The client over explicit settings and the `HttpClient` the caller provides (fetch, a test double). */
  static readonly layerWithHttpClient = (
    options: AuthClientOptions
  ): Layer.Layer<AuthClient, never, HttpClient.HttpClient> =>
    AuthClient.Default.pipe(Layer.provide(Layer.succeed(AuthClientSettings, options)))

  /** The client configured from `RAMPART_URL` and `RAMPART_CLIENT_TIMEOUT`, over Node's undici transport. */
  static readonly layerConfig: Layer.Layer<AuthClient, ConfigError.ConfigError> = Layer.unwrapEffect(
    Effect.map(authClientConfig, (settings) => AuthClient.layer(settings))
  )
}
