/**
 * Records what a client sends: every attempt's method, path, `Clock` time and status, and how many
 * requests of a kind were in flight at once. Plug it in with `AuthClient`'s `transformClient`.
 */
import { HttpClient, HttpClientRequest, HttpClientResponse } from "@effect/platform"
import { Clock, Effect } from "effect"

/** One request as sent and answered (`status` 0 when it failed without an answer). */
export interface Exchange {
  readonly method: string
  readonly path: string
  /** `Clock` millis when it was sent. */
  readonly at: number
  readonly status: number
  readonly authorization: string | undefined
}

/** A recorder of requests. */
export interface Traffic {
  readonly exchanges: Array<Exchange>
  /** The exchanges of `method path`. */
  readonly of: (method: string, path: string) => Array<Exchange>
  /** The most requests matching `isToken` (default: login and refresh) ever in flight together. */
  readonly maxTokenRequestsInFlight: () => number
  /** The transformation to hand to `AuthClient`. */
  readonly transform: (client: HttpClient.HttpClient) => HttpClient.HttpClient
  /** Replaces the bearer of the next request to `method path` with a forged one (the server refuses it). */
  readonly forgeNextBearer: (method: string, path: string) => void
  /** Answers the next request to `method path` with `status` and a JSON `body`, without sending it. */
  readonly fakeNext: (method: string, path: string, status: number, body: unknown) => void
}

const tokenPaths = new Set(["/auth/login", "/auth/login/refresh", "/api/v1/partners/auth/login"])

/** A fresh recorder. */
export const makeTraffic = (): Traffic => {
  const exchanges: Array<Exchange> = []
  let inFlight = 0
  let maxInFlight = 0
  const forged = new Set<string>()
  const fakes = new Map<string, { status: number; body: unknown }>()
  const transform = (client: HttpClient.HttpClient) =>
    HttpClient.transform(client, (effect, request) => {
      const path = new URL(request.url).pathname
      const key = `${request.method} ${path}`
      const isToken = tokenPaths.has(path)
      const fake = fakes.get(key)
      fakes.delete(key)
      const forge = forged.delete(key)
      const sent = forge ? HttpClientRequest.bearerToken(request, "forged.token.value") : request
      let send = forge ? client.execute(sent) : effect
      if (fake !== undefined) {
        send = Effect.sync(() =>
          HttpClientResponse.fromWeb(
            request,
            new Response(JSON.stringify(fake.body), {
              status: fake.status,
              headers: { "content-type": "application/json" }
            })
          )
        )
      }
      return Effect.gen(function*() {
        const at = yield* Clock.currentTimeMillis
        const authorization = sent.headers["authorization"]
        if (isToken) {
          inFlight++
          maxInFlight = Math.max(maxInFlight, inFlight)
        }
        return yield* send.pipe(
          Effect.tap((response) =>
            Effect.sync(() =>
              exchanges.push({ method: request.method, path, at, status: response.status, authorization })
            )
          ),
          Effect.tapError(() =>
            Effect.sync(() => exchanges.push({ method: request.method, path, at, status: 0, authorization }))
          ),
          Effect.ensuring(Effect.sync(() => {
            if (isToken) inFlight--
          }))
        )
      })
    })
  return {
    exchanges,
    of: (method, path) => exchanges.filter((e) => e.method === method && e.path === path),
    maxTokenRequestsInFlight: () => maxInFlight,
    transform,
    forgeNextBearer: (method, path) => void forged.add(`${method} ${path}`),
    fakeNext: (method, path, status, body) => void fakes.set(`${method} ${path}`, { status, body })
  }
}
