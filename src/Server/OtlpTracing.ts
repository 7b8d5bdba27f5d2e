/**
 * Span export over OTLP/HTTP with `@effect/opentelemetry`'s `OtlpTracer` (no OpenTelemetry SDK):
 * batches every `exportIntervalMs`, and flushes what is left when the server's scope closes
 * (SIGTERM / SIGINT), within 3 s. `@effect/opentelemetry` is an optional peer dependency: its modules
 * are imported only when an OTLP endpoint is configured, so a server without one neither needs,
 * loads nor runs any of it, and a configured endpoint without the package is a one-line start
 * failure naming it (docs/decisions.md, "OpenTelemetry is an optional peer").
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type { OtlpSettings } from "./Config.js"
import { loadOptionalPackage, type MissingDriverError } from "./OptionalPackage.js"

/** The tracer exporting to `settings.tracesUrl`, installed by this layer (the export modules are loaded when it is built). */
export const layerOtlpTracer = (settings: OtlpSettings): Layer.Layer<never, MissingDriverError> =>
  Layer.unwrapEffect(
    loadOptionalPackage("@effect/opentelemetry", "An OTLP endpoint (OTEL_EXPORTER_OTLP_*)", () =>
      Promise.all([
        import("@effect/opentelemetry/OtlpTracer"),
        import("@effect/opentelemetry/OtlpSerialization"),
        import("@effect/platform/FetchHttpClient")
      ])).pipe(
        Effect.map(([OtlpTracer, OtlpSerialization, FetchHttpClient]) =>
          OtlpTracer.layer({
            url: settings.tracesUrl,
            resource: { serviceName: settings.serviceName },
            headers: Redacted.value(settings.headers),
            exportInterval: settings.exportIntervalMs
          }).pipe(
            Layer.provide(
              settings.protocol === "http/json" ? OtlpSerialization.layerJson : OtlpSerialization.layerProtobuf
            ),
            Layer.provide(FetchHttpClient.layer)
          )
        )
      )
  )
