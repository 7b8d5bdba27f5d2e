/**
 * The request id and the request log, one middleware for both transports: every answer (404, 405,
 * 413 and decoding failures included) carries `x-request-id` — the client's own when it is a sane
 * token, else a random UUID — and, unless `RAMPART_LOG_FORMAT=off`, one line per request goes to
 * stdout with the method, the route, the status, the duration, the request id and the client's
 * address. Never a body, a header value other than the id, the query string or anything from it.
 *
 * The line is written once the response is known, whichever layer produced it: as the app returns
 * it, or, for the failures the transport turns into responses (and on the platform transport, every
 * answer of the inner app), in a pre-response handler — whichever comes first. It is an access log written with one
 * `process.stdout.write`, not an Effect log entry: the server's other logs keep their format, and
 * the cost per request stays a string and a write (see the `request-logs` benchmark).
 */
import * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import { randomUUID } from "node:crypto"
import { writeSync } from "node:fs"
import type { RequestLogFormat } from "../Config.js"

/** The header that carries a request's id, in both directions. */
export const REQUEST_ID_HEADER = "x-request-id"

/** A request id the server accepts from a client: a short token of letters, digits, `.`, `_`, `-`. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/

/** The client's request id when it is a sane token, else a new random UUID. */
export const requestIdOf = (header: string | undefined): string =>
  header !== undefined && SANE_REQUEST_ID.test(header) ? header : randomUUID()

/** What the log line of one request says. */
export interface RequestLine {
  readonly time: string
  readonly method: string
  /** The matched route pattern, else the path without its query (bounded). */
  readonly route: string
  readonly status: number
  readonly durationMs: number
  readonly requestId: string
  readonly clientIp: string
  /** The trace of the request, when spans are recorded. */
  readonly traceId?: string
}

/** The line as one JSON object. */
export const jsonLine = (line: RequestLine): string => JSON.stringify(line)

/** Characters a readable line shows as `?`: controls, spaces and non-ASCII (a path is the client's text). */
const UNPRINTABLE = /[^\x21-\x7e]/g

/** The line as readable text: `2026-05-01T10:00:00.000Z POST /auth/login 200 3.1ms id=… ip=127.0.0.1`. */
export const textLine = (line: RequestLine): string =>
  `${line.time} ${line.method} ${
    line.route.replace(UNPRINTABLE, "?")
  } ${line.status} ${line.durationMs}ms id=${line.requestId} ip=${line.clientIp}` +
  (line.traceId === undefined ? "" : ` trace=${line.traceId}`)

/** Request lines not yet written: those of one turn of the event loop go out in one write. */
let pending = ""
let flushScheduled = false
/** Whether the pending lines are written at exit (hooked on the first line). */
let exitHooked = false

/** Writes the pending lines to stdout (one system call for all of them). */
const flushPending = (): void => {
  flushScheduled = false
  if (pending === "") return
  const text = pending
  pending = ""
  process.stdout.write(text)
}

/** Pending lines beyond this many characters are written at once rather than at the end of the turn. */
const FLUSH_AT_CHARS = 64 * 1024

/**
 * Writes one line to the process's stdout, at the end of the current turn of the event loop with
 * the other lines of that turn (stdout to a pipe or file is a synchronous write on Linux: one per
 * line cost a loaded server more than the rest of the line; docs/benchmarks.md, request-logs). The
 * lines of the last turn are written when the process exits.
 */
const writeStdout = (text: string): void => {
  if (!exitHooked) {
    exitHooked = true
    process.once("exit", () => {
      if (pending !== "") writeSync(1, pending)
    })
  }
  pending += `${text}\n`
  if (pending.length >= FLUSH_AT_CHARS) return flushPending()
  if (!flushScheduled) {
    flushScheduled = true
    setImmediate(flushPending)
  }
}

/** How `requestLog` names a request's route and where its lines go. */
export interface RequestLogOptions {
  readonly format: RequestLogFormat
  /** The route of a request URL: its pattern, else its path without the query. */
  readonly routeOf: (url: string) => string
  /** Where lines go (stdout by default). */
  readonly write?: (line: string) => void
}

/** Milliseconds between two `Clock` readings in nanoseconds, to 0.01 ms. */
const elapsedMs = (start: bigint, end: bigint): number => Math.round(Number(end - start) / 1e4) / 100

/** `app` answering with `x-request-id` on every response and, unless the format is `off`, logging one line per request. */
export const requestLog = (options: RequestLogOptions) => {
  const render = options.format === "json" ? jsonLine : textLine
  const write = options.write ?? writeStdout
  return <E, R>(app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>) =>
    Effect.withFiberRuntime<HttpServerResponse.HttpServerResponse, E, R>((fiber) => {
      const request = Context.unsafeGet(fiber.currentContext, HttpServerRequest.HttpServerRequest)
      const requestId = requestIdOf(request.headers[REQUEST_ID_HEADER])
      const span = fiber.currentSpan
      if (span?._tag === "Span") span.attribute("rampart.request_id", requestId)
      const clock = Context.get(fiber.currentDefaultServices, Clock.Clock)
      const start = options.format === "off" ? 0n : clock.unsafeCurrentTimeNanos()
      let finished = false
      const finish = (response: HttpServerResponse.HttpServerResponse) => {
        if (finished) return response
        finished = true
        if (options.format !== "off") {
          write(
            render({
              time: new Date(clock.unsafeCurrentTimeMillis()).toISOString(),
              method: request.method,
              route: options.routeOf(request.url),
              status: response.status,
              durationMs: elapsedMs(start, clock.unsafeCurrentTimeNanos()),
              requestId,
              clientIp: request.remoteAddress._tag === "Some" ? request.remoteAddress.value : "-",
              ...(span === undefined ? {} : { traceId: span.traceId })
            })
          )
        }
        return HttpServerResponse.setHeader(response, REQUEST_ID_HEADER, requestId)
      }
      return Effect.zipRight(
        HttpApp.appendPreResponseHandler((_, response) => Effect.succeed(finish(response))),
        Effect.map(app, finish)
      )
    })
}
