/**
 * Recipe (Effect 4): make the sandbox fail on purpose and watch the client's retry policy.
 * `POST /sandbox/faults` answers the next requests to a route with a 503 — the contract's
 * `ServiceUnavailable`, as a real outage does — instead of handling them. `AuthClient` retries only
 * requests that are safe to repeat: a refresh answered 503 twice is sent again and the third attempt
 * succeeds without the caller noticing; a login answered 503 is never repeated (each success
 * creates a refresh token), so the caller gets the typed `ServiceUnavailable` and decides itself.
 */
import { Effect, Redacted, Result } from "effect"
import * as HttpClient from "effect/http/HttpClient"
import { AuthClient, LoginRequest, RefreshRequest, SandboxClient } from "rampart-effect4"

/**
 * Counts every attempt the transport sends (retries included), by `METHOD /path`. `transform` wraps
 * each attempt, so a retried request is counted each time it is sent.
 */
export const countAttempts = (counts: Map<string, number>) => (client: HttpClient.HttpClient): HttpClient.HttpClient =>
  HttpClient.transform(client, (attempt, request) =>
    Effect.andThen(
      Effect.sync(() => {
        const route = `${request.method} ${new URL(request.url).pathname}`
        counts.set(route, (counts.get(route) ?? 0) + 1)
      }),
      attempt
    ))

/** Two 503s on login, then two on refresh, for a new user `email` / `password`. */
export const program = (email: string, password: string) =>
  Effect.gen(function*() {
    const sandbox = yield* SandboxClient
    const client = yield* AuthClient
    yield* sandbox.createUser({ email, password: Redacted.make(password) })
    const login = client.auth.login({ payload: new LoginRequest({ email, password: Redacted.make(password) }) })

    // Login: never retried. Each call is one request; the first two meet the two faults.
    yield* sandbox.addFault({ method: "POST", path: "/auth/login", status: 503, count: 2 })
    const first = yield* Effect.result(login) // Failure: ServiceUnavailable (one request)
    const second = yield* Effect.result(login) // the caller chose to try again: the second fault
    const tokens = yield* login // the faults are spent: logged in

    // Refresh: retried on 5xx with a jittered backoff (100 ms, 200 ms, ...); the third attempt succeeds.
    yield* sandbox.addFault({ method: "POST", path: "/auth/login/refresh", status: 503, count: 2 })
    const refreshed = yield* client.auth.refresh({
      payload: new RefreshRequest({ refreshToken: Redacted.make(tokens.refreshToken) })
    })

    const outcome = (result: Result.Result<unknown, { readonly _tag: string }>) =>
      Result.match(result, { onFailure: (error) => error._tag, onSuccess: () => "logged in" })
    return { logins: [outcome(first), outcome(second), "logged in"], refreshed: refreshed.idToken.length > 0 }
  })

/** Runs `program` against the sandbox at `baseUrl`, counting the attempts the client sends into `counts`. */
export const run = (baseUrl: string, email: string, password: string, counts: Map<string, number>) =>
  program(email, password).pipe(
    Effect.provide(SandboxClient.layer),
    Effect.provide(AuthClient.layer({ baseUrl, transformClient: countAttempts(counts) }))
  )
