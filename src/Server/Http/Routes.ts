/**
 * The routes: `RampartApi` implemented by the handlers and security middlewares, plus
 * `/openapi.json` and the offline Scalar page at `/docs`, behind the body policy, with JSON 404/405
 * answers for requests no route takes. Served on whatever `HttpServer` is provided.
 */
import { HttpApiBuilder, HttpApiScalar, type HttpApp } from "@effect/platform"
import { Effect, Layer } from "effect"
import { RampartApi } from "../../Api/RampartApi.js"
import { ServerConfig } from "../Config.js"
import { AuthHttpLive } from "./AuthHttp.js"
import { limitBody } from "./BodyLimits.js"
import { layerPlainDecodeErrors } from "./DecodeErrors.js"
import { answerUnrouted, apiRoutes, routeTable } from "./Fallback.js"
import { OperationsHttpLive } from "./OperationsHttp.js"
import { OtpHttpLive } from "./OtpHttp.js"
import { PartnersHttpLive } from "./PartnersHttp.js"
import { SandboxHttpLive } from "./SandboxHttp.js"
import { PartnerAuthenticationLive, UserAuthenticationLive } from "./SecurityLive.js"

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
