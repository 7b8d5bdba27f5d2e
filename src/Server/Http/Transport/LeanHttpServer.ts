/**
 * `RAMPART_HTTP=fast`: a lean `HttpServer.HttpServer` on `node:http`, a
 * drop-in for `NodeHttpServer.layer`. Everything above the transport is unchanged — the `HttpApp`
 * built by `HttpApiBuilder` from `RampartApi`, the same handlers, the same security middlewares,
 * the same error schema and status mapping, the same body-limit middleware of src/Server/Http/BodyLimits.ts.
 *
 * What it does differently from `@effect/platform-node`'s server, per request:
 * - no `HttpMiddleware.tracer` server span (and no span attributes built from the URL and headers);
 * - the body is read in plain Node before the fiber starts, capped at `maxBodyBytes`: `text`/`json`
 *   are then cached plain values instead of an `Effect.cached` built with `Effect.runSync` per
 *   request (a second fiber) over a stream reader;
 * - headers are the Node headers object, not a copy;
 * - the request is part of the context the request's fiber is forked with, not provided to it;
 * - the response is written synchronously (`writeHead` + `end`) for in-memory bodies instead of a
 *   fiber waiting on the `end` callback.
 * Error handling is `HttpApp.toHandled`'s without the tracer: a failure that the app did not turn
 * into a response becomes `HttpServerError.causeResponse` (500 for defects, 404 RouteNotFound, ...).
 *
 * Limits: multipart bodies and WebSocket upgrades are not supported (Rampart has neither; its body
 * middleware refuses non-JSON bodies with 415 before reading them).
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as Cookies from "@effect/platform/Cookies"
import type * as Headers from "@effect/platform/Headers"
import * as HttpApp from "@effect/platform/HttpApp"
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import type { HttpMethod } from "@effect/platform/HttpMethod"
import type * as HttpMiddleware from "@effect/platform/HttpMiddleware"
import * as HttpServer from "@effect/platform/HttpServer"
import * as HttpServerError from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import type * as FiberRefs from "effect/FiberRefs"
import * as Inspectable from "effect/Inspectable"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import * as Stream from "effect/Stream"
import type * as Http from "node:http"
import type * as Net from "node:net"
import { Readable } from "node:stream"
import { answerClientErrors } from "./ClientErrors.js"
import { lingerOnRefusal } from "./LingeringClose.js"

/** How the lean server reads bodies. */
export interface LeanServerOptions {
  /** Bytes read at most; beyond that `text` fails with cause `Error("maxBytes exceeded")`, as the platform's reader does. */
  readonly maxBodyBytes: number
}

const maxBytesExceeded = () => new Error("maxBytes exceeded")

/** A server request whose body was read (or refused) before the fiber started. */
class LeanRequest extends Inspectable.Class implements HttpServerRequest.HttpServerRequest {
  readonly [HttpServerRequest.TypeId]: HttpServerRequest.TypeId = HttpServerRequest.TypeId
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId

  constructor(
    readonly source: Http.IncomingMessage,
    readonly response: Http.ServerResponse,
    /** The body text, or undefined when it exceeded the cap (or was not read: declared too large). */
    private readonly body: string | undefined,
    readonly url: string = source.url!,
    private readonly headersOverride?: Headers.Headers,
    private readonly remoteAddressOverride?: string
  ) {
    super()
  }

  private fail(cause: unknown, description?: string) {
    return new HttpServerError.RequestError({
      request: this,
      reason: "Decode",
      cause,
      ...(description ? { description } : {})
    })
  }

  get originalUrl(): string {
    return this.source.url!
  }
  get method(): HttpMethod {
    return this.source.method!.toUpperCase() as HttpMethod
  }
  get headers(): Headers.Headers {
    return this.headersOverride ?? (this.source.headers as Headers.Headers)
  }
  get remoteAddress(): Option.Option<string> {
    return Option.fromNullable(this.remoteAddressOverride ?? this.source.socket.remoteAddress)
  }
  private cachedCookies: Record<string, string> | undefined
  get cookies() {
    return (this.cachedCookies ??= Cookies.parseHeader(this.headers["cookie"] ?? "") as Record<string, string>)
  }
  get text(): Effect.Effect<string, HttpServerError.RequestError> {
    return this.body === undefined ? Effect.fail(this.fail(maxBytesExceeded())) : Effect.succeed(this.body)
  }
  /** The body parsed once: the body-limit check and the handler both read it. */
  private parsed: { readonly value: unknown } | undefined
  get json(): Effect.Effect<unknown, HttpServerError.RequestError> {
    if (this.parsed !== undefined) return Effect.succeed(this.parsed.value)
    return Effect.flatMap(this.text, (text) => {
      try {
        this.parsed = { value: text === "" ? null : (JSON.parse(text) as unknown) }
        return Effect.succeed(this.parsed.value)
      } catch (cause) {
        return Effect.fail(this.fail(cause))
      }
    })
  }
  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpServerError.RequestError> {
    return Effect.map(this.text, (text) => UrlParams.fromInput(new URLSearchParams(text)))
  }
  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpServerError.RequestError> {
    return Effect.map(this.text, (text) => {
      const bytes = Buffer.from(text, "utf8")
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
    })
  }
  get stream(): Stream.Stream<Uint8Array, HttpServerError.RequestError> {
    return Stream.fromEffect(Effect.map(this.text, (text) => new Uint8Array(Buffer.from(text, "utf8"))))
  }
  get multipart(): never {
    return Effect.die(new Error("multipart bodies are not supported by the lean transport")) as never
  }
  get multipartStream(): never {
    return Stream.die(new Error("multipart bodies are not supported by the lean transport")) as never
  }
  get upgrade(): Effect.Effect<never, HttpServerError.RequestError> {
    return Effect.fail(this.fail(undefined, "not an upgradeable ServerRequest"))
  }
  modify(options: { readonly url?: string; readonly headers?: Headers.Headers; readonly remoteAddress?: string }) {
    return new LeanRequest(
      this.source,
      this.response,
      this.body,
      options.url ?? this.url,
      options.headers ?? this.headersOverride,
      options.remoteAddress ?? this.remoteAddressOverride
    )
  }
  toJSON(): unknown {
    return { _id: "@effect/platform/HttpServerRequest", method: this.method, url: this.originalUrl }
  }
}

/** Writes a response; in-memory bodies synchronously. */
const writeResponse = (request: LeanRequest, response: HttpServerResponse.HttpServerResponse): Effect.Effect<void> => {
  const res = request.response
  if (res.writableEnded) return Effect.void
  let headers: Record<string, string | Array<string>> = response.headers
  if (!Cookies.isEmpty(response.cookies)) {
    headers = { ...headers, "set-cookie": Cookies.toSetCookieHeaders(response.cookies) }
  }
  const body = response.body
  if (request.method === "HEAD" || body._tag === "Empty") {
    res.writeHead(response.status, headers)
    res.end()
    return Effect.void
  }
  switch (body._tag) {
    case "Uint8Array":
      // content-type and content-length are already in the headers (set by the response constructor).
      res.writeHead(response.status, headers)
      res.end(body.body)
      return Effect.void
    case "Raw":
      if (typeof body.body === "string" || body.body instanceof Uint8Array) {
        res.writeHead(response.status, headers)
        res.end(body.body)
        return Effect.void
      }
      break
  }
  // Streams and form data: through the web response (rare: docs assets, never the API).
  return Effect.async<void>((resume) => {
    const web = HttpServerResponse.toWeb(response)
    const webHeaders: Record<string, string> = {}
    web.headers.forEach((value, key) => (webHeaders[key] = value))
    res.writeHead(web.status, webHeaders)
    if (web.body === null) {
      res.end(() => resume(Effect.void))
      return
    }
    Readable.fromWeb(web.body as never)
      .on("error", () => res.destroy())
      .pipe(res)
      .on("finish", () => resume(Effect.void))
      .on("close", () => resume(Effect.void))
  })
}

/**
 * Once a request's fiber has ended, its fiber refs go back to the server's own, so that the ended
 * fiber no longer reaches its request (its context, the `LeanRequest`, Node's request and
 * response). Effect names every root fiber in one long-lived `Set`; V8 leaves in the old
 * generation dead copies of such a set's table that still name the fibers in flight when it was
 * rehashed, and minor collections take those names for live references: the whole request of a
 * fiber so named would be promoted instead of collected young (~10 KB a refresh, about a tenth of a
 * loaded server's CPU; docs/benchmarks.md, "Garbage"). `setFiberRefs` is the fiber's own method,
 * not in `RuntimeFiber`'s interface: without it nothing is released and nothing else changes.
 */
const releaseWhenDone = (fiber: Fiber.RuntimeFiber<unknown, unknown>, refs: FiberRefs.FiberRefs): void => {
  const own = fiber as unknown as { readonly setFiberRefs?: (refs: FiberRefs.FiberRefs) => void }
  const setFiberRefs = own.setFiberRefs
  if (typeof setFiberRefs === "function") fiber.addObserver(() => setFiberRefs.call(fiber, refs))
}

/**
 * Reads a body up to `cap` bytes; `undefined` as soon as it is longer (the rest is drained with a
 * lingering close, so that the client reads the 413 instead of a reset).
 */
const readBody = (source: Http.IncomingMessage, cap: number, done: (body: string | undefined) => void) => {
  const chunks: Array<Buffer> = []
  let size = 0
  let settled = false
  const settle = (body: string | undefined) => {
    if (settled) return
    settled = true
    done(body)
  }
  source.on("data", (chunk: Buffer) => {
    size += chunk.length
    if (size > cap) {
      chunks.length = 0
      lingerOnRefusal(source)
      settle(undefined)
      return
    }
    chunks.push(chunk)
  })
  source.once(
    "end",
    () => settle(chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks).toString("utf8"))
  )
  source.once("error", () => settle(undefined))
}

/**
 * Logs the defects of a failed request (not its expected failures such as `RouteNotFound`, which
 * the response already says, and not the response itself that `causeResponse` appends).
 */
const logDefects = (cause: Cause.Cause<unknown>): Effect.Effect<void> => {
  const defects = Chunk.filter(Cause.defects(cause), (defect) => !HttpServerResponse.isServerResponse(defect))
  return Chunk.isEmpty(defects)
    ? Effect.void
    : Effect.logError("defect in HTTP handler", Cause.die(Chunk.unsafeHead(defects)))
}

const make = (evaluate: () => Http.Server, listen: Net.ListenOptions, options: LeanServerOptions) =>
  Effect.gen(function*() {
    // Parser refusals are answered in JSON, as the app answers everything else.
    const server = answerClientErrors(evaluate())
    yield* Effect.addFinalizer(() =>
      Effect.async<void>((resume) => {
        server.closeAllConnections?.()
        server.close(() => resume(Effect.void))
      })
    )
    yield* Effect.async<void, HttpServerError.ServeError>((resume) => {
      server.once("error", (cause) => resume(Effect.fail(new HttpServerError.ServeError({ cause }))))
      server.listen(listen, () => resume(Effect.void))
    })
    const address = server.address()!
    return HttpServer.make({
      address: typeof address === "string"
        ? { _tag: "UnixAddress", path: address }
        : { _tag: "TcpAddress", hostname: address.address === "::" ? "0.0.0.0" : address.address, port: address.port },
      serve: (httpApp: HttpApp.Default<unknown>, middleware?: HttpMiddleware.HttpMiddleware) =>
        Effect.gen(function*() {
          const runtime = yield* Effect.runtime<never>()
          const app = middleware === undefined ? httpApp : middleware(httpApp)
          // HttpApp.toHandled without the tracer: respond, or turn the cause into a response.
          const handled = Effect.withFiberRuntime<void, never, HttpServerRequest.HttpServerRequest>((fiber) => {
            const request = fiber.currentContext.unsafeMap.get(HttpServerRequest.HttpServerRequest.key) as LeanRequest
            const respond = (response: HttpServerResponse.HttpServerResponse) => {
              const pre = fiber.getFiberRef(HttpApp.currentPreResponseHandlers)
              return pre._tag === "None"
                ? writeResponse(request, response)
                : Effect.flatMap(
                  Effect.catchAllCause(pre.value(request, response), () => Effect.succeed(response)),
                  (r) => writeResponse(request, r)
                )
            }
            return Effect.matchCauseEffect(app, {
              onSuccess: respond,
              onFailure: (cause) =>
                Effect.flatMap(HttpServerError.causeResponse(cause), ([response, rest]) =>
                  Effect.zipRight(respond(response), logDefects(rest)))
            }) as Effect.Effect<void, never, never>
          })
          const start = (
            nodeRequest: Http.IncomingMessage,
            nodeResponse: Http.ServerResponse,
            body: string | undefined
          ) => {
            // The request goes into the context the fiber starts with (one map copy) rather than
            // through `Effect.provideService` (a copy plus a FiberRef update and its restore).
            const request = new LeanRequest(nodeRequest, nodeResponse, body)
            const fiber = Runtime.runFork(
              Runtime.make({
                context: Context.add(runtime.context, HttpServerRequest.HttpServerRequest, request),
                fiberRefs: runtime.fiberRefs,
                runtimeFlags: runtime.runtimeFlags
              }),
              handled
            )
            releaseWhenDone(fiber, runtime.fiberRefs)
            nodeResponse.on("close", () => {
              if (!nodeResponse.writableEnded) {
                fiber.unsafeInterruptAsFork(HttpServerError.clientAbortFiberId)
              }
            })
          }
          const handler = (nodeRequest: Http.IncomingMessage, nodeResponse: Http.ServerResponse) => {
            const method = nodeRequest.method
            const declared = Number(nodeRequest.headers["content-length"] ?? "0")
            if (method === "GET" || method === "HEAD" || declared > options.maxBodyBytes) {
              // No body to read, or one refused on its declared size without reading it (but drained).
              if (declared > options.maxBodyBytes) {
                lingerOnRefusal(nodeRequest)
              }
              start(nodeRequest, nodeResponse, declared > options.maxBodyBytes ? undefined : "")
              return
            }
            readBody(nodeRequest, options.maxBodyBytes, (body) =>
              start(nodeRequest, nodeResponse, body))
          }
          server.on("request", handler)
          yield* Effect.addFinalizer(() => Effect.sync(() => server.off("request", handler)))
        })
    })
  })

/** The lean server plus the platform services `HttpApiBuilder` needs (like `NodeHttpServer.layer`). */
export const layerLeanServer = (evaluate: () => Http.Server, listen: Net.ListenOptions, options: LeanServerOptions) =>
  Layer.mergeAll(Layer.scoped(HttpServer.HttpServer, make(evaluate, listen, options)), NodeHttpServer.layerContext)
