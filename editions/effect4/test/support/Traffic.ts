/**
 * Records what an Effect 4 client sends: every attempt's method, path, `Clock` time and status, and
 * how many login or refresh requests were in flight at once. Plug it in with `AuthClient`'s
 * `transformClient`.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as HttpClient from "effect/http/HttpClient"

/** One request as sent and answered (`status` 0 when it failed without an answer). */
export interface Exchange {
  readonly method: string
  readonly path: string
  /** `Clock` millis when it was sent. */
  readonly at: number
  readonly status: number
}

/** A recorder of requests. */
export interface Traffic {
  readonly exchanges: Array<Exchange>
  /** The exchanges of `method path`. */
  readonly of: (method: string, path: string) => Array<Exchange>
  /** The most login/refresh requests ever in flight together. */
  readonly maxTokenRequestsInFlight: () => number
  /** The transformation to hand to `AuthClient`. */
  readonly transform: (client: HttpClient.HttpClient) => HttpClient.HttpClient
}

const tokenPaths = new Set(["/auth/login", "/auth/login/refresh", "/api/v1/partners/auth/login"])

/** A fresh recorder. */
export const makeTraffic = (): Traffic => {
  const exchanges: Array<Exchange> = []
  let inFlight = 0
  let maxInFlight = 0
  const transform = (client: HttpClient.HttpClient) =>
    HttpClient.transform(client, (effect, request) => {
      const path = new URL(request.url).pathname
      const isToken = tokenPaths.has(path)
      return Effect.gen(function*() {
        const at = yield* Clock.currentTimeMillis
        if (isToken) maxInFlight = Math.max(maxInFlight, ++inFlight)
        return yield* effect.pipe(
          Effect.tap((response) =>
            Effect.sync(() => exchanges.push({ method: request.method, path, at, status: response.status }))
          ),
          Effect.tapError(() => Effect.sync(() => exchanges.push({ method: request.method, path, at, status: 0 }))),
          Effect.ensuring(Effect.sync(() => (isToken ? inFlight-- : undefined)))
        )
      })
    })
  return {
    exchanges,
    of: (method, path) => exchanges.filter((e) => e.method === method && e.path === path),
    maxTokenRequestsInFlight: () => maxInFlight,
    transform
  }
}

/** Waits in real time (not `TestClock` time) for loopback I/O. */
export const realPause = (millis: number): Effect.Effect<void> =>
  Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, millis)))

/** Polls `condition` in real time (up to 10 s, for loopback I/O under `TestClock`), then returns whether it holds. */
export const eventually = (condition: () => boolean): Effect.Effect<boolean> =>
  Effect.gen(function*() {
    for (let i = 0; i < 1000 && !condition(); i++) yield* realPause(10)
    return condition()
  })
