/**
 * The typed Rampart client for Effect 4, derived from the `RampartApi` contract with
 * `HttpApiClient`: every endpoint is an `Effect` whose error channel holds the endpoint's documented
 * errors, `InternalError`, `HttpApiDecodeError` (a refused request), transport failures
 * (`HttpClientError`) and decoding failures (`Schema.SchemaError`) — a server that breaks the
 * contract is a typed `SchemaError`, never a defect.
 *
 * The same policy as the Effect 3 edition (`src/Shared/ClientRules.ts`): every attempt has a
 * timeout (a timed-out attempt is an `HttpClientError` whose reason is a `TransportError`), timeouts
 * and retry delays run on the `Clock` in place when the client is built, and only requests that are
 * safe to repeat (the reads and `POST /auth/login/refresh`) are retried, on transport errors and 5xx
 * answers, with a capped, jittered exponential backoff (`retrySchedule`). The transport is
 * `FetchHttpClient` (Node's fetch): it runs on Node 20, where `@effect/platform-node@4` does not.
 */
import { DEFAULT_BASE_URL, DEFAULT_TIMEOUT_MILLIS, isRetrySafeRoute, RETRY_BACKOFF } from "#shared/ClientRules.js"
import * as Clock from "effect/Clock"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/Config"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as HttpApiClient from "effect/http-api/HttpApiClient"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientError from "effect/http/HttpClientError"
import type * as HttpClientRequest from "effect/http/HttpClientRequest"
import type * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import { RampartApi } from "../Api/RampartApi.js"
import type { HttpApiDecodeError, InternalError, ServiceUnavailable } from "../Domain/Errors.js"

export { DEFAULT_BASE_URL } from "#shared/ClientRules.js"

/** The typed client of the whole contract: `client.auth.login(...)`, `client.otp.requestCode(...)`, ... */
export type RampartClient = HttpApiClient.ForApi<typeof RampartApi>

/** Errors every endpoint may answer: `InternalError` (500), `ServiceUnavailable` (503) and `HttpApiDecodeError` (400, a refused request). */
export type RampartApiError = InternalError | ServiceUnavailable | HttpApiDecodeError

/** How the client reaches the server. */
export interface AuthClientOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:8080` (a path prefix is kept). */
  readonly baseUrl: string | URL
  /** Time allowed for one attempt to get a response; 10 seconds by default; `Duration.infinity` disables it. */
  readonly timeout?: Duration.Input | undefined
  /** The backoff between retries of retry-safe requests; `retrySchedule` by default. */
  readonly retry?: Schedule.Schedule<unknown, unknown> | undefined
  /** An extra transformation of the transport, innermost: it sees every attempt (retries included). */
  readonly transformClient?: ((client: HttpClient.HttpClient) => HttpClient.HttpClient) | undefined
}

/** The settings `AuthClient` is built from. */
export class AuthClientSettings extends Context.Service<AuthClientSettings, AuthClientOptions>()(
  "Rampart/Client/AuthClientSettings"
) {}

/** The default time allowed for one attempt. */
export const DEFAULT_TIMEOUT: Duration.Duration = Duration.millis(DEFAULT_TIMEOUT_MILLIS)

/** A timeout read as a duration ("10 seconds", "500 millis") or as a plain number of seconds ("10"). */
const timeoutConfig = (name: string): Config.Config<Duration.Duration> =>
  Config.Duration(name).pipe(Config.orElse(() => Config.Number(name).pipe(Config.map(Duration.seconds))))

/** `RAMPART_URL` (default `http://127.0.0.1:8080`) and `RAMPART_CLIENT_TIMEOUT` (default 10 seconds). */
export const authClientConfig: Config.Config<{ readonly baseUrl: string; readonly timeout: Duration.Duration }> = Config
  .all({
    baseUrl: Config.URL("RAMPART_URL").pipe(
      Config.map((url) => url.toString()),
      Config.withDefault(DEFAULT_BASE_URL)
    ),
    timeout: timeoutConfig("RAMPART_CLIENT_TIMEOUT").pipe(Config.withDefault(DEFAULT_TIMEOUT))
  })

/** Exponential backoff from 100 ms (doubling), jittered (×0.8..1.2), each delay capped at 2 s, at most 3 retries. */
export const retrySchedule: Schedule.Schedule<unknown, unknown> = Schedule.exponential(
  Duration.millis(RETRY_BACKOFF.baseMillis),
  RETRY_BACKOFF.factor
).pipe(
  Schedule.jittered,
  Schedule.modifyDelay((metadata) =>
    Effect.succeed(Duration.min(metadata.duration, Duration.millis(RETRY_BACKOFF.capMillis)))
  ),
  (capped) => Schedule.max([capped, Schedule.recurs(RETRY_BACKOFF.retries)])
)

/** Whether a request may be retried: only the reads and the refresh (`src/Shared/ClientRules.ts`). */
export const isRetrySafe = (request: HttpClientRequest.HttpClientRequest): boolean =>
  isRetrySafeRoute(request.method, request.url)

/** A 5xx answer held as a failure while retrying; the last one is handed back as a response. */
class ServerFailure {
  readonly _tag = "ServerFailure"
  constructor(readonly response: HttpClientResponse.HttpClientResponse) {}
}

const isRetryable = (error: HttpClientError.HttpClientError | ServerFailure): boolean =>
  error._tag === "ServerFailure" || error.reason._tag === "TransportError"

/** Runs the timing of `effect` (its timeout or retry delays) on `timer`, and `attempt`, which it wraps, on the caller's `Clock`. */
const timedOn = <A, E, A2, E2>(
  timer: Clock.Clock,
  attempt: Effect.Effect<A, E>,
  timing: (attempt: Effect.Effect<A, E>) => Effect.Effect<A2, E2>
): Effect.Effect<A2, E2> =>
  Effect.clockWith((callers) =>
    Effect.provideService(timing(Effect.provideService(attempt, Clock.Clock, callers)), Clock.Clock, timer)
  )

/** Fails an attempt that has no response after `timeout` (of `timer`) with a transport `HttpClientError`. */
const withTimeout =
  (timeout: Duration.Duration, timer: Clock.Clock) => (client: HttpClient.HttpClient): HttpClient.HttpClient =>
    Duration.isFinite(timeout)
      ? HttpClient.transform(
        client,
        (effect, request) =>
          // A race with a sleep on `timer` itself: the attempt keeps the caller's Clock without two Clock provisions.
          Effect.raceFirst(
            effect,
            Effect.andThen(
              timer.sleep(timeout),
              Effect.failSync(() =>
                new HttpClientError.HttpClientError({
                  reason: new HttpClientError.TransportError({
                    request,
                    description: `no response within ${Duration.format(timeout)}`
                  })
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

/** The client of the whole contract plus its configured transport and base URL. */
export interface AuthClientService extends RampartClient {
  /** The transport with the timeout and retry policy (no base URL), for deriving authenticated clients. */
  readonly httpClient: HttpClient.HttpClient
  /** The server's base URL. */
  readonly baseUrl: string
}

/** Builds the client from `AuthClientSettings` over the `HttpClient` in context. */
const make = Effect.gen(function*() {
  const settings = yield* AuthClientSettings
  const baseUrl = settings.baseUrl.toString()
  const transport = yield* HttpClient.HttpClient
  // Timeouts and backoff run on the Clock in place now, so a Clock installed later for the
  // program (`SandboxClient.layerClock`, whose time jumps) never ends an attempt early.
  const timer = yield* Effect.clockWith(Effect.succeed)
  const httpClient = transport.pipe(
    settings.transformClient ?? ((client) => client),
    withTimeout(Duration.fromInputUnsafe(settings.timeout ?? DEFAULT_TIMEOUT), timer),
    withRetries(settings.retry ?? retrySchedule, timer)
  )
  const client = yield* HttpApiClient.makeWith(RampartApi, { httpClient, baseUrl })
  return { ...client, httpClient, baseUrl } satisfies AuthClientService
})

/**
 * The typed client of `RampartApi` (`auth`, `otp`, `partners`, `sandbox`, `operations` groups), plus
 * its configured `httpClient` and `baseUrl` for deriving authenticated clients (see `Session`).
 */
export class AuthClient extends Context.Service<AuthClient, AuthClientService>()("Rampart/Client/AuthClient") {
  /** The client over explicit settings and the fetch transport (`FetchHttpClient`). */
  static readonly layer = (options: AuthClientOptions): Layer.Layer<AuthClient> =>
    AuthClient.layerWithHttpClient(options).pipe(Layer.provide(FetchHttpClient.layer))

  /** The client over explicit settings and the `HttpClient` the caller provides (a test double, another transport). */
  static readonly layerWithHttpClient = (
    options: AuthClientOptions
  ): Layer.Layer<AuthClient, never, HttpClient.HttpClient> =>
    Layer.effect(AuthClient, make).pipe(Layer.provide(Layer.succeed(AuthClientSettings, options)))

  /** The client configured from `RAMPART_URL` and `RAMPART_CLIENT_TIMEOUT`, over the fetch transport. */
  static readonly layerConfig: Layer.Layer<AuthClient, ConfigError.ConfigError> = Layer.unwrap(
    Effect.map(authClientConfig, (settings) => AuthClient.layer(settings))
  )
}
