/**
 * The transport under the routes: which `HttpServer` listens (`RAMPART_HTTP`: `fast` or `platform`)
 * and whether Effect's tracer is on (`RAMPART_TRACING`, or an OTLP endpoint to export to).
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as HttpMiddleware from "@effect/platform/HttpMiddleware"
import * as Layer from "effect/Layer"
import { createServer } from "node:http"
import type { HttpTransport } from "../../Config.js"
import { MAX_BODY_BYTES } from "../BodyLimits.js"
import { answerClientErrors } from "./ClientErrors.js"
import { layerLeanServer } from "./LeanHttpServer.js"
import { lingerOnOversize } from "./LingeringClose.js"

/**
 * The `HttpServer` of a transport listening on `listen` (`fast`: the lean node:http server; `platform`:
 * `NodeHttpServer`). Both answer parser refusals in JSON and drain refused bodies before closing.
 */
export const layerHttpServer = (transport: HttpTransport, listen: { readonly port: number; readonly host: string }) =>
  transport === "fast"
    ? layerLeanServer(createServer, listen, { maxBodyBytes: MAX_BODY_BYTES })
    : NodeHttpServer.layer(() => lingerOnOversize(answerClientErrors(createServer()), MAX_BODY_BYTES), listen)

/**
 * `layer` with Effect's tracer on or off. Off (the default: neither `RAMPART_TRACING` nor an OTLP
 * endpoint): with no exporter installed, spans are pure per-request cost. The platform's own server
 * span is always off: the routes make theirs (Http/RequestSpan.ts), the same on both transports.
 */
export const withTracing = <A, E, R>(layer: Layer.Layer<A, E, R>, tracing: boolean): Layer.Layer<A, E, R> => {
  const withoutPlatformSpan = HttpMiddleware.withTracerDisabledWhen(layer, () => true)
  return tracing ? withoutPlatformSpan : withoutPlatformSpan.pipe(Layer.provide(Layer.setTracerEnabled(false)))
}
