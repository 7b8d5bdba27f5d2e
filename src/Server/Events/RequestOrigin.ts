/**
 * Where the request being served comes from: the caller's IP and device (`User-Agent`), read by
 * `SecurityEvents` so domain services need not pass them along. An embedder calling the services
 * directly provides `RequestOrigin`; the HTTP layer instead installs, once per server, an
 * `OriginResolver` that reads them from the request in the fiber's context when an event is
 * stored (no per-request provision: docs/benchmarks.md, "Fewer fiber steps per request"). Outside a request both are
 * absent unless provided.
 */
import * as Context from "effect/Context"

/** The caller's IP address and device, when known. */
export interface Origin {
  readonly ip: string | undefined
  readonly device: string | undefined
}

/** An origin with neither IP nor device. */
const unknownOrigin: Origin = { ip: undefined, device: undefined }

/** The origin of the current request, when provided (else the `OriginResolver`'s, else none). */
export class RequestOrigin extends Context.Reference<RequestOrigin>()("Rampart/Server/RequestOrigin", {
  defaultValue: (): Origin => unknownOrigin
}) {}

/** Finds the origin of the request being served in a fiber's context (set once by the HTTP layer); `undefined` outside a request. */
export class OriginResolver extends Context.Reference<OriginResolver>()("Rampart/Server/OriginResolver", {
  defaultValue: (): (context: Context.Context<never>) => Origin | undefined => () => undefined
}) {}

/** The origin of the current request in `context`: `RequestOrigin` when provided, else what the `OriginResolver` finds, else none. */
export const originIn = (context: Context.Context<never>): Origin =>
  context.unsafeMap.has(RequestOrigin.key)
    ? Context.get(context, RequestOrigin)
    : Context.get(context, OriginResolver)(context) ?? unknownOrigin
