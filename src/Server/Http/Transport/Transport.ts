/**
 * The transport under the routes: which `HttpServer` listens (`RAMPART_HTTP`: `fast` or `platform`)
 * and whether Effect's tracer is on (`RAMPART_TRACING`, or an OTLP endpoint to export to).
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as HttpMiddleware from "@effect/platform/HttpMiddleware"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Runtime from "effect/Runtime"
import type { HttpTransport } from "../../Config.js"
import { MAX_BODY_BYTES } from "../BodyLimits.js"
import { answerClientErrors } from "./ClientErrors.js"
import { type ConnectionLimits, createLimitedServer, defaultConnectionLimits } from "./ConnectionLimits.js"
import { layerLeanServer } from "./LeanHttpServer.js"
import { lingerOnOversize } from "./LingeringClose.js"
import { makeRequestGate, ServerGate } from "./RequestGate.js"

/**
 * The `HttpServer` of a transport listening on `listen` (`fast`: the lean node:http server; `platform`:
 * `NodeHttpServer`), with its `ServerGate`. Both answer parser refusals in JSON, drain refused bodies
 * before closing, apply the connection `limits` (timeouts, caps) and shed requests over the in-flight cap.
 */
export const layerHttpServer = (
  transport: HttpTransport,
  listen: { readonly port: number; readonly host: string },
  limits: ConnectionLimits = defaultConnectionLimits
) =>
  Layer.unwrapEffect(
    Effect.map(Effect.runtime<never>(), (runtime) => {
      const log = (line: string) => Runtime.runFork(runtime)(Effect.logWarning(line))
      const { attach, gate } = makeRequestGate(limits.maxInFlight, log)
      const create = () => attach(createLimitedServer(limits, log))
      const served = transport === "fast"
        ? layerLeanServer(create, listen, { maxBodyBytes: MAX_BODY_BYTES })
        : NodeHttpServer.layer(() => lingerOnOversize(answerClientErrors(create()), MAX_BODY_BYTES), listen)
      return Layer.merge(served, Layer.succeed(ServerGate, gate))
    })
  )

/**
 * Drains the served server when the layer closes, before anything under it: the requests in
 * flight finish (up to `timeout`) on the domain services, which close after them.
 */
export const layerDrainOnClose = (timeout: Duration.Duration) =>
  Layer.scopedDiscard(
    Effect.flatMap(ServerGate, (gate) =>
      Effect.addFinalizer(() =>
        Effect.flatMap(
          Effect.promise(() => gate.drain(Duration.toMillis(timeout))),
          ({ cut, finished }) =>
            finished + cut === 0
              ? Effect.void
              : Effect.logInfo(`shutdown: ${finished} request(s) finished, ${cut} cut at the deadline`)
        )
      ))
  )

/**
 * `layer` with Effect's tracer on or off. Off (the default: neither `RAMPART_TRACING` nor an OTLP
 * endpoint): with no exporter installed, spans are pure per-request cost. The platform's own server
 * span is always off: the routes make theirs (Http/RequestSpan.ts), the same on both transports.
 */
export const withTracing = <A, E, R>(layer: Layer.Layer<A, E, R>, tracing: boolean): Layer.Layer<A, E, R> => {
  const withoutPlatformSpan = HttpMiddleware.withTracerDisabledWhen(layer, () => true)
  return tracing ? withoutPlatformSpan : withoutPlatformSpan.pipe(Layer.provide(Layer.setTracerEnabled(false)))
}
