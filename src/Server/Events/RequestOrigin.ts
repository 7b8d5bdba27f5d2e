/**
 * Where the request being served comes from: the caller's IP and device (`User-Agent`), set once per
 * request by the HTTP layer, read by `SecurityEvents` so domain services need not pass them along.
 * Outside a request (embedders calling the services directly) both are absent unless provided.
 */
import * as Context from "effect/Context"

/** The caller's IP address and device, when known. */
export interface Origin {
  readonly ip: string | undefined
  readonly device: string | undefined
}

/** The origin of the current request (none by default). */
export class RequestOrigin extends Context.Reference<RequestOrigin>()("Rampart/Server/RequestOrigin", {
  defaultValue: (): Origin => ({ ip: undefined, device: undefined })
}) {}
