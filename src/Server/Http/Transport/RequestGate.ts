/**
 * The server's gate on requests, the same on both transports (it sits on the `node:http` server's
 * `request` event, before either transport sees it):
 * - it counts the requests in flight and sheds those beyond `maxInFlight` at once with
 *   503 `{ _tag: "ServiceUnavailable" }` and `Retry-After`, logged as one line per burst, so that an
 *   outage that makes requests wait cannot grow memory and descriptors without bound;
 * - it drains for a shutdown: no new connection is accepted, every answer from then on carries
 *   `Connection: close`, the requests in flight finish, then the keep-alive connections left idle
 *   are closed; at a deadline whatever remains is cut.
 */
import * as Context from "effect/Context"
import type * as Http from "node:http"
import * as Net from "node:net"
import { makeBurstLog } from "../../../internal/BurstLog.js"
import { RETRY_AFTER_SECONDS } from "../RetryAfter.js"
import { makeInFlightList } from "./InFlightList.js"

/** What a shutdown's drain did: requests that finished during it, and those cut at the deadline. */
export interface Drained {
  readonly finished: number
  readonly cut: number
}

/** The gate of the server being served, read by `/health` (503 while draining) and by the shutdown. */
export interface RequestGate {
  /** Whether the server is draining for a shutdown. */
  readonly draining: () => boolean
  /** How many requests are in flight. */
  readonly inFlight: () => number
  /** Stops accepting, closes idle sockets, waits for the requests in flight up to `timeoutMs`, then cuts the rest. */
  readonly drain: (timeoutMs: number) => Promise<Drained>
}

/** The gate of the server in the context; outside a served server, one that never drains. */
export class ServerGate extends Context.Reference<ServerGate>()("Rampart/Server/ServerGate", {
  defaultValue: (): RequestGate => ({
    draining: () => false,
    inFlight: () => 0,
    drain: async () => ({ finished: 0, cut: 0 })
  })
}) {}

/** How long a drain waits with nothing in flight before closing the connections left idle. */
const IDLE_GRACE_MS = 250

/** The answer of a request over the cap. */
const shedBody = JSON.stringify({
  _tag: "ServiceUnavailable",
  message: "The server is at capacity; retry after Retry-After seconds."
})

/** A gate for a server yet to be created: `attach` it to the server, then read and drain it. */
export const makeRequestGate = (maxInFlight: number, log: (line: string) => void) => {
  const inFlight = makeInFlightList<Http.ServerResponse>()
  const shedLog = makeBurstLog(`request cap (${maxInFlight} in flight) reached, answered 503`)
  let draining = false
  let server: Http.Server | undefined
  /** Called while draining when the last request in flight has finished. */
  let quiet: (() => void) | undefined
  let finishedWhileDraining = 0

  const shed = (request: Http.IncomingMessage, response: Http.ServerResponse) => {
    request.resume()
    response.shouldKeepAlive = false
    response.writeHead(503, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(shedBody),
      "retry-after": String(RETRY_AFTER_SECONDS)
    })
    response.end(shedBody)
    shedLog(`${request.method} ${request.url?.split("?")[0]?.slice(0, 100)}`, log)
  }

  /** Puts the gate on `target`'s `request` event; `target` itself. */
  const attach = (target: Http.Server): Http.Server => {
    server = target
    const emit = target.emit as (this: Http.Server, event: string | symbol, ...args: Array<unknown>) => boolean
    target.emit = function(this: Http.Server, event: string | symbol, ...args: Array<unknown>): boolean {
      if (event !== "request") return emit.call(this, event, ...args)
      const [request, response] = args as [Http.IncomingMessage, Http.ServerResponse]
      if (inFlight.size() >= maxInFlight) {
        shed(request, response)
        return true
      }
      if (draining) response.shouldKeepAlive = false
      const remove = inFlight.add(response)
      response.once("close", () => {
        remove()
        if (draining) {
          finishedWhileDraining++
          if (inFlight.size() === 0) quiet?.()
        }
      })
      return emit.call(this, event, ...args)
    } as typeof target.emit
    return target
  }

  const gate: RequestGate = {
    draining: () => draining,
    inFlight: () => inFlight.size(),
    drain: (timeoutMs) =>
      new Promise<Drained>((resolve) => {
        if (server === undefined || draining) return resolve({ finished: 0, cut: 0 })
        const target = server
        draining = true
        let settled = false
        const settle = (cut: number) => {
          if (settled) return
          settled = true
          clearTimeout(deadline)
          clearTimeout(idleTimer)
          quiet = undefined
          target.closeAllConnections()
          resolve({ finished: finishedWhileDraining, cut })
        }
        // Every answer from now on closes its connection, so busy connections end by themselves.
        inFlight.forEach((response) => (response.shouldKeepAlive = false))
        // Stop accepting; the callback comes once every connection has closed. `net`'s close, not
        // `http`'s: that one also closes idle connections at once (see below why not).
        if (target.listening) Net.Server.prototype.close.call(target, () => settle(0))
        const deadline = setTimeout(() => settle(inFlight.size()), timeoutMs)
        // Connections left idle (their last answer, from before the drain, kept them open) are
        // closed once nothing is in flight for a moment: closing them at once would reset a
        // request already sent on one but not yet read by the server.
        let idleTimer: ReturnType<typeof setTimeout> | undefined
        quiet = () => {
          clearTimeout(idleTimer)
          idleTimer = setTimeout(() => {
            if (inFlight.size() > 0) return
            target.closeIdleConnections()
            if (!target.listening) setTimeout(() => settle(inFlight.size()), IDLE_GRACE_MS)
          }, IDLE_GRACE_MS)
        }
        if (inFlight.size() === 0) quiet()
      })
  }
  return { attach, gate }
}
