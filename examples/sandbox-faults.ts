/**
 * Recipe: make the sandbox fail on purpose and watch the client's retry policy. `POST /sandbox/faults`
 * answers the next requests to a route with a 503 instead of handling them. `AuthClient` retries
 * only requests that are safe to repeat: a refresh answered 503 twice is sent again and the third
 * attempt succeeds without the caller noticing; a login answered 503 is never repeated (each
 * success creates a refresh token), so the caller gets the 503 as the typed `ServiceUnavailable`
 * and decides itself.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import { Effect, Either, Redacted } from "effect"
import { AuthClient, LoginRequest, RefreshRequest, SandboxClient } from "rampart"

/**
 * Counts every attempt the transport sends (retries included), by `METHOD /path`. `transform` wraps
 * each attempt; `HttpClient.tapRequest` would run once per call, before the retries.
 */
export const countAttempts = (counts: Map<string, number>) => (client: HttpClient.HttpClient): HttpClient.HttpClient =>
  HttpClient.transform(client, (attempt, request) =>
    Effect.zipRight(
      Effect.sync(() => {
        const route = `${request.method} ${new URL(request.url).pathname}`
        counts.set(route, (counts.get(route) ?? 0) + 1)
      }),
      attempt
    ))

/** A failed call in a few words: its tag (a 503 fault arrives as `ServiceUnavailable`), and the status of an undocumented answer (`ResponseError`). */
const describeFailure = (error: { readonly _tag: string } | HttpClientError.ResponseError): string =>
  error instanceof HttpClientError.ResponseError ? `ResponseError ${error.response.status}` : error._tag

/** Two 503s on login, then two on refresh, for a new user `email` / `password`. */
export const program = (email: string, password: string) =>
  Effect.gen(function*() {
    const sandbox = yield* SandboxClient
    const client = yield* AuthClient
    yield* sandbox.createUser({ email, password: Redacted.make(password) })
    const login = client.auth.login({ payload: new LoginRequest({ email, password: Redacted.make(password) }) })

    // Login: never retried. Each call is one request; the first two meet the two faults.
    yield* sandbox.addFault({ method: "POST", path: "/auth/login", status: 503, count: 2 })
    const first = yield* Effect.either(login)
    const second = yield* Effect.either(login) // the caller chose to try again: the second fault
    const tokens = yield* login // the faults are spent: logged in

    // Refresh: retried on 5xx with a jittered backoff (100 ms, 200 ms, ...); the third attempt succeeds.
    yield* sandbox.addFault({ method: "POST", path: "/auth/login/refresh", status: 503, count: 2 })
    const refreshed = yield* client.auth.refresh({
      payload: new RefreshRequest({ refreshToken: Redacted.make(tokens.refreshToken) })
    })

    const outcome = (result: Either.Either<unknown, { readonly _tag: string }>) =>
      Either.match(result, { onLeft: describeFailure, onRight: () => "logged in" })
    return { logins: [outcome(first), outcome(second), "logged in"], refreshed: refreshed.idToken.length > 0 }
  })

/** Runs `program` against the sandbox at `baseUrl`, counting the attempts the client sends into `counts`. */
export const run = (baseUrl: string, email: string, password: string, counts: Map<string, number>) =>
  program(email, password).pipe(
    Effect.provide(SandboxClient.Default),
    Effect.provide(AuthClient.layer({ baseUrl, transformClient: countAttempts(counts) }))
  )
