/**
 * Every 503 (`ServiceUnavailable`, `HealthUnavailable`) carries `Retry-After`: the store or the
 * server is expected back within seconds, and clients that honour the header spread their retries.
 */
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"

/** Seconds a client is asked to wait before retrying a 503. */
export const RETRY_AFTER_SECONDS = 1

/** `app` with `Retry-After` on its 503 answers. */
export const retryAfterOn503 = <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E, R> =>
  Effect.map(app, (response) =>
    response.status === 503 && response.headers["retry-after"] === undefined
      ? HttpServerResponse.setHeader(response, "retry-after", String(RETRY_AFTER_SECONDS))
      : response)
