/**
 * The connection policy of the server socket, set on purpose rather than left to Node's defaults
 * (headers 60 s, request 300 s, no cap): a client has `headersTimeout` to send its headers,
 * `requestTimeout` for the whole request (a socket that sends nothing is closed after
 * `headersTimeout` too), an idle keep-alive connection is closed after
 * `keepAliveTimeout`, beyond `maxConnections` open sockets a new one is closed at once (one
 * log line per burst, with the count), and beyond `maxInFlight` requests in flight a new one is
 * answered 503 at once (`RequestGate.ts`). Running out of file descriptors is logged, not fatal.
 */
import { createServer } from "node:http"
import type * as Http from "node:http"
import type { Socket } from "node:net"
import { makeBurstLog } from "../../../internal/BurstLog.js"

/** How long a connection may take and how many may be open. */
export interface ConnectionLimits {
  readonly headersTimeoutMs: number
  readonly requestTimeoutMs: number
  readonly keepAliveTimeoutMs: number
  readonly maxConnections: number
  /** Requests in flight beyond which a new one is answered 503 at once (`RAMPART_MAX_IN_FLIGHT`). */
  readonly maxInFlight: number
}

/** 10 s for the headers, 30 s for a request, 5 s of keep-alive idleness, 4096 open connections, 1024 requests in flight. */
export const defaultConnectionLimits: ConnectionLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 4096,
  maxInFlight: 1024
}

/** A `node:http` server with `limits` applied; dropped connections and descriptor exhaustion written with `log`. */
export const createLimitedServer = (limits: ConnectionLimits, log: (line: string) => void): Http.Server => {
  const server = createServer({
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Node checks the two timeouts on this interval; a short headers timeout needs a finer check.
    connectionsCheckingInterval: Math.min(30_000, Math.max(100, Math.floor(limits.headersTimeoutMs / 4)))
  })
  server.maxConnections = limits.maxConnections
  server.keepAliveTimeout = limits.keepAliveTimeoutMs
  // Node's headers timeout starts at a request's first byte: a socket that sends nothing at all
  // would stay open forever. It gets the same time to begin, then is closed (Node's own timeout
  // handler destroys it); a request that starts takes the timeout off.
  server.on("connection", (socket: Socket) => socket.setTimeout(limits.headersTimeoutMs))
  server.on("request", (request: Http.IncomingMessage) => request.socket.setTimeout(0))
  const drops = makeBurstLog(`connection cap (${limits.maxConnections}) reached, new connections closed at once`)
  server.on("drop", (data?: { readonly remoteAddress?: string }) => drops(`from ${data?.remoteAddress ?? "?"}`, log))
  const exhaustion = makeBurstLog("out of file descriptors, connections not accepted")
  server.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EMFILE" || error.code === "ENFILE") exhaustion(error.code, log)
  })
  return server
}
