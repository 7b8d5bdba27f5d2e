/**
 * The HTTP server: `RampartApi` served by the domain services, plus `/openapi.json` and the offline
 * Scalar page at `/docs`; request bodies over 64 KiB are refused with 413 before they are read.
 */
import { HttpApiBuilder, HttpApiScalar, HttpServer, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { HttpIncomingMessage } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer, Option } from "effect"
import { createServer } from "node:http"
import { RampartApi } from "../Api/RampartApi.js"
import { ServerConfig } from "./Config.js"
import { AuthHttpLive } from "./Http/AuthHttp.js"
import { OperationsHttpLive } from "./Http/OperationsHttp.js"
import { OtpHttpLive } from "./Http/OtpHttp.js"
import { PartnersHttpLive } from "./Http/PartnersHttp.js"
import { SandboxHttpLive } from "./Http/SandboxHttp.js"
import { PartnerAuthenticationLive, UserAuthenticationLive } from "./Http/SecurityLive.js"
import { layerServices } from "./Layers.js"

/** The largest request body the server reads. */
export const MAX_BODY_BYTES = 64 * 1024

/** Refuses declared oversize bodies with 413 and caps the bytes read from undeclared ones. */
const limitBody = <E, R>(app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>) =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    const declared = Number(request.headers["content-length"] ?? "0")
    if (declared > MAX_BODY_BYTES) {
      return HttpServerResponse.unsafeJson(
        { _tag: "PayloadTooLarge", message: `Request body exceeds ${MAX_BODY_BYTES} bytes` },
        { status: 413, headers: { connection: "close" } }
      )
    }
    return HttpIncomingMessage.withMaxBodySize(app, Option.some(MAX_BODY_BYTES))
  })

/** The contract implemented by the handlers and security middlewares (needs the domain services). */
export const layerApi = HttpApiBuilder.api(RampartApi).pipe(
  Layer.provide([AuthHttpLive, OtpHttpLive, PartnersHttpLive, SandboxHttpLive, OperationsHttpLive]),
  Layer.provide([UserAuthenticationLive, PartnerAuthenticationLive])
)

/** The routes served on an `HttpServer`: the API, `/openapi.json`, `/docs`. */
export const layerRoutes = HttpApiBuilder.serve(limitBody).pipe(
  Layer.provide(HttpApiScalar.layer({ path: "/docs" })),
  Layer.provide(HttpApiBuilder.middlewareOpenApi({ path: "/openapi.json" })),
  Layer.provide(layerApi)
)

/** The whole server over `ServerConfig`, listening on its host and port. */
export const layerServer = Layer.unwrapEffect(
  Effect.map(ServerConfig, (config) =>
    layerRoutes.pipe(
      HttpServer.withLogAddress,
      Layer.provide(NodeHttpServer.layer(createServer, { port: config.port, host: config.host }))
    )
  )
).pipe(Layer.provide(layerServices))
