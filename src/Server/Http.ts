/**
 * The HTTP server: `RampartApi` served by the domain services, plus `/openapi.json` and the offline
 * Scalar page at `/docs`; request bodies over 64 KiB are refused with 413 before they are read.
 */
import { HttpApiBuilder, HttpApiScalar, type HttpApp, HttpMiddleware, HttpServer, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { HttpIncomingMessage } from "@effect/platform"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Effect, Layer, Option } from "effect"
import { createServer } from "node:http"
import { RampartApi } from "../Api/RampartApi.js"
import { type HttpTransport, ServerConfig } from "./Config.js"
import { AuthHttpLive } from "./Http/AuthHttp.js"
import { layerPlainDecodeErrors } from "./Http/DecodeErrors.js"
import { answerClientErrors } from "./Http/ClientErrors.js"
import { answerUnrouted, apiRoutes, routeTable } from "./Http/Fallback.js"
import { lingerOnOversize } from "./Http/LingeringClose.js"
import { OperationsHttpLive } from "./Http/OperationsHttp.js"
import { OtpHttpLive } from "./Http/OtpHttp.js"
import { PartnersHttpLive } from "./Http/PartnersHttp.js"
import { SandboxHttpLive } from "./Http/SandboxHttp.js"
import { PartnerAuthenticationLive, UserAuthenticationLive } from "./Http/SecurityLive.js"
import { layerServices } from "./Layers.js"
import { layerLeanServer } from "./LeanHttpServer.js"

/** The largest request body the server reads. */
export const MAX_BODY_BYTES = 64 * 1024

const tooLarge = () =>
  HttpServerResponse.unsafeJson(
    { _tag: "PayloadTooLarge", message: `Request body exceeds ${MAX_BODY_BYTES} bytes` },
    { status: 413, headers: { connection: "close" } }
  )

/** The deepest JSON nesting a request may have (every payload of the contract is 1 or 2 deep). */
export const MAX_JSON_DEPTH = 32

/** Nesting depth of a parsed JSON value, without recursion (deep values must not overflow the stack). */
const nestingDepth = (value: unknown): number => {
  let deepest = 0
  const stack: Array<readonly [unknown, number]> = [[value, 0]]
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!
    if (typeof current !== "object" || current === null) continue
    if (depth + 1 > deepest) deepest = depth + 1
    if (deepest > MAX_JSON_DEPTH) return deepest
    for (const child of Object.values(current)) stack.push([child, depth + 1])
  }
  return deepest
}

/** 415: the API speaks JSON only. */
const unsupportedMediaType = (contentType: string) =>
  HttpServerResponse.unsafeJson(
    { _tag: "UnsupportedMediaType", message: `Request bodies must be application/json, not ${contentType}` },
    { status: 415 }
  )

/** 400 naming why the body is unreadable. */
const unreadableBody = (message: string) =>
  HttpServerResponse.unsafeJson({ _tag: "HttpApiDecodeError", issues: [], message }, { status: 400 })

/**
 * Reads a JSON body once, within the size limit, so that an oversize body is a 413 and malformed
 * JSON a 400 that says so (the platform would answer an empty 400). The text is cached by the
 * request, so the handler's own read does not touch the socket again.
 */
const checkJsonBody = (request: HttpServerRequest.HttpServerRequest) =>
  Effect.matchEffect(request.text, {
    onFailure: (error) =>
      Effect.succeed(
        error.cause instanceof Error && error.cause.message === "maxBytes exceeded"
          ? tooLarge()
          : unreadableBody("Request body could not be read")
      ),
    onSuccess: (text) =>
      text === ""
        ? Effect.succeed(undefined)
        : // Parsed through the request, which the fast transport remembers for the handler's own read.
          Effect.match(request.json, {
            onFailure: (error) =>
              unreadableBody(`Request body is not valid JSON: ${error.cause instanceof Error ? error.cause.message : "unparseable"}`),
            onSuccess: (value) =>
              nestingDepth(value) > MAX_JSON_DEPTH ? unreadableBody(`Request body nests deeper than ${MAX_JSON_DEPTH} levels`) : undefined
          })
  })

/** Refuses oversize bodies with 413 (declared ones before reading), non-JSON bodies with 415, malformed or too deep JSON with a clear 400. */
const limitBody = <E, R>(app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>) =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    const declared = Number(request.headers["content-length"] ?? "0")
    if (declared > MAX_BODY_BYTES) return Effect.succeed(tooLarge())
    const contentType = request.headers["content-type"]
    const mayHaveBody = request.method !== "GET" && request.method !== "HEAD"
    // Only JSON is read: the platform would parse forms and multipart too (and die on bad multipart).
    if (mayHaveBody && contentType !== undefined && !/^application\/json\s*(;|$)/i.test(contentType.trim())) {
      return Effect.succeed(unsupportedMediaType(contentType.slice(0, 100)))
    }
    const handled = mayHaveBody
      ? Effect.flatMap(checkJsonBody(request), (refusal) => (refusal === undefined ? app : Effect.succeed(refusal)))
      : app
    return HttpIncomingMessage.withMaxBodySize(handled, Option.some(MAX_BODY_BYTES))
  })

/** The contract implemented by the handlers and security middlewares (needs the domain services). */
export const layerApi = HttpApiBuilder.api(RampartApi).pipe(
  Layer.provide([AuthHttpLive, OtpHttpLive, PartnersHttpLive, SandboxHttpLive, OperationsHttpLive]),
  Layer.provide([UserAuthenticationLive, PartnerAuthenticationLive])
)

/**
 * A request no route takes is a JSON 405 (with `Allow`) or 404. The routed methods and paths are
 * the contract's, `/openapi.json` and `/docs`, collected once at start; in production the sandbox
 * routes are left out, so any method on them is a 404, as their handlers answer.
 */
const layerUnrouted = HttpApiBuilder.middleware(
  Effect.map(ServerConfig, (config) => {
    const routes = routeTable([
      ...apiRoutes(RampartApi, (group) => config.mode === "sandbox" || group !== "sandbox"),
      { method: "GET", path: "/openapi.json" },
      { method: "GET", path: "/docs" }
    ])
    return (app: HttpApp.Default) => answerUnrouted(app, routes)
  })
)

/** The routes served on an `HttpServer`: the API, `/openapi.json`, `/docs`. */
export const layerRoutes = HttpApiBuilder.serve(limitBody).pipe(
  Layer.provide(HttpApiScalar.layer({ path: "/docs", scalar: { withDefaultFonts: false } })),
  Layer.provide(HttpApiBuilder.middlewareOpenApi({ path: "/openapi.json" })),
  Layer.provide(layerPlainDecodeErrors),
  Layer.provide(layerUnrouted),
  Layer.provide(layerApi)
)

/**
 * The `HttpServer` of a transport listening on `listen` (`fast`: the lean node:http server; `platform`:
 * `NodeHttpServer`). Both answer parser refusals in JSON and drain refused bodies before closing.
 */
export const layerHttpServer = (transport: HttpTransport, listen: { readonly port: number; readonly host: string }) =>
  transport === "fast"
    ? layerLeanServer(createServer, listen, { maxBodyBytes: MAX_BODY_BYTES })
    : NodeHttpServer.layer(() => lingerOnOversize(answerClientErrors(createServer()), MAX_BODY_BYTES), listen)

/**
 * `layer` with Effect's tracer on or off. Off (the default, `RAMPART_TRACING`): with no exporter
 * installed, spans and the HTTP server span built from every request's URL and headers are pure
 * per-request cost.
 */
export const withTracing = <A, E, R>(layer: Layer.Layer<A, E, R>, tracing: boolean): Layer.Layer<A, E, R> =>
  tracing ? layer : HttpMiddleware.withTracerDisabledWhen(layer, () => true).pipe(Layer.provide(Layer.setTracerEnabled(false)))

/** The whole server over `ServerConfig`, listening on its host and port, on the configured transport. */
export const layerServer = Layer.unwrapEffect(
  Effect.map(ServerConfig, (config) =>
    withTracing(
      layerRoutes.pipe(HttpServer.withLogAddress, Layer.provide(layerHttpServer(config.http, { port: config.port, host: config.host }))),
      config.tracing
    )
  )
).pipe(Layer.provide(layerServices))
