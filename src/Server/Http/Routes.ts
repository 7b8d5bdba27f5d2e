/**
 * The routes: `RampartApi` implemented by the handlers and security middlewares, plus
 * `/openapi.json` and the offline Scalar page at `/docs`, behind the body policy, with JSON 404/405
 * answers for requests no route takes, a request id and log line on every answer and a server span
 * per request (when tracing). Served on whatever `HttpServer` is provided.
 */
import * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as OpenApi from "@effect/platform/OpenApi"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import { RampartApi } from "../../Api/RampartApi.js"
import { ServerConfig, type ServerSettings } from "../Config.js"
import { layerPartnerAuthentication, layerUserAuthenticationInProcess } from "./Authentication.js"
import { layerAuthHttp } from "./AuthHttp.js"
import { layerMaxBodySize, limitBody } from "./BodyLimits.js"
import { layerPlainDecodeErrors } from "./DecodeErrors.js"
import { layerOperationsHttp } from "./OperationsHttp.js"
import { layerRequestOrigin } from "./Origin.js"
import { layerOtpHttp } from "./OtpHttp.js"
import { layerPartnersHttp } from "./PartnersHttp.js"
import { requestLog } from "./RequestLog.js"
import { requestSpan } from "./RequestSpan.js"
import { retryAfterOn503 } from "./RetryAfter.js"
import { answerUnrouted, apiRoutes, routePattern, routeTable, shownPath } from "./RouteTable.js"
import { layerSandboxControl } from "./SandboxControl.js"
import { layerSandboxHttp } from "./SandboxHttp.js"

/** The contract implemented by the handlers and security middlewares (needs the domain services). */
export const layerApi = HttpApiBuilder.api(RampartApi).pipe(
  Layer.provide([layerAuthHttp, layerOtpHttp, layerPartnersHttp, layerSandboxHttp, layerOperationsHttp]),
  Layer.provide([layerUserAuthenticationInProcess, layerPartnerAuthentication])
)

/**
 * The routed methods and paths: the contract's, `/openapi.json` and `/docs`, collected once at
 * start; in production the sandbox routes are left out (any method on them is a 404, as their handlers answer).
 */
const servedRoutes = (config: ServerSettings) =>
  routeTable([
    ...apiRoutes(RampartApi, (group) => config.mode === "sandbox" || group !== "sandbox"),
    { method: "GET", path: "/openapi.json" },
    { method: "GET", path: "/docs" }
  ])

/** A request no route takes is a JSON 405 (with `Allow`) or 404. */
const layerUnrouted = HttpApiBuilder.middleware(
  Effect.map(ServerConfig, (config) => {
    const routes = servedRoutes(config)
    return (app: HttpApp.Default) => answerUnrouted(app, routes)
  })
)

/**
 * `GET /openapi.json`, as `HttpApiBuilder.middlewareOpenApi` serves it, but the document is
 * generated on the first request rather than at start (no request needs it before).
 */
const layerOpenApiJson = HttpApiBuilder.Router.use((router) =>
  Effect.gen(function*() {
    const { api } = yield* HttpApi.Api
    const response = yield* Effect.cached(HttpServerResponse.json(OpenApi.fromApi(api)).pipe(Effect.orDie))
    yield* router.get("/openapi.json", response)
  })
)

/**
 * `GET /docs`, the offline Scalar page of `HttpApiScalar`, loaded on the first request: its module
 * carries the ~3 MB Scalar bundle, and the page embeds the OpenAPI document, so neither is imported
 * nor built at start. The page is `HttpApiScalar`'s own, built once in the server's scope.
 */
const layerDocs = HttpApiBuilder.Router.use((router) =>
  Effect.gen(function*() {
    const { api } = yield* HttpApi.Api
    const scope = yield* Effect.scope
    const page = yield* Effect.cached(
      Effect.promise(() =>
        Promise.all([import("@effect/platform/HttpApiScalar"), import("@effect/platform/HttpLayerRouter")])
      ).pipe(
        Effect.flatMap(([HttpApiScalar, HttpLayerRouter]) =>
          HttpLayerRouter.toHttpEffect(
            HttpApiScalar.layerHttpLayerRouter({ api, path: "/docs", scalar: { withDefaultFonts: false } })
          )
        ),
        Effect.provideService(Scope.Scope, scope)
      )
    )
    yield* router.get("/docs", Effect.flatten(page))
  })
)

/**
 * The whole app served, outermost first: the request's span, its id and log line, `Retry-After` on
 * 503s, the body policy, then the API. Outside the API, so that every answer (404, 405, 413, decoding failures) has them.
 */
const layerServe = Layer.unwrapEffect(
  Effect.map(ServerConfig, (config) => {
    const routes = servedRoutes(config)
    const routePatternOf = (url: string) => routePattern(routes, url)
    const span = requestSpan({ routePatternOf, pathOf: shownPath })
    const log = requestLog({ format: config.logFormat, routeOf: (url) => routePatternOf(url) ?? shownPath(url) })
    return HttpApiBuilder.serve((app) => span(log(retryAfterOn503(limitBody(app)))))
  })
)

/** The routes served on an `HttpServer`: the API, `/openapi.json`, `/docs`. */
export const layerRoutes = layerServe.pipe(
  Layer.provide(layerDocs),
  Layer.provide(layerOpenApiJson),
  Layer.provide(layerPlainDecodeErrors),
  Layer.provide(layerUnrouted),
  Layer.provide(layerSandboxControl),
  Layer.provide([layerRequestOrigin, layerMaxBodySize]),
  Layer.provide(layerApi)
)
