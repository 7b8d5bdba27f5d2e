/**
 * The server span of a request, one middleware for both transports (the platform's own
 * `HttpMiddleware.tracer` is turned off: it records every request header, `x-otp` included, and the
 * full URL with its query). Named `METHOD /route` as OpenTelemetry's HTTP conventions say, with the
 * method, the route, the path (no query), the status and the client's address — no header, query
 * or body. A `traceparent` from the client continues its trace. Nothing at all while the tracer is off.
 */
import * as HttpServerError from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import type * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as HttpTraceContext from "@effect/platform/HttpTraceContext"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberRef from "effect/FiberRef"
import * as Option from "effect/Option"

/** How `requestSpan` names a request's route. */
export interface RequestSpanOptions {
  /** The routed pattern of a request URL, or undefined when no route has its path. */
  readonly routePatternOf: (url: string) => string | undefined
  /** The path of a request URL without its query, bounded. */
  readonly pathOf: (url: string) => string
}

/** `app` inside a server span of its request (when the tracer is enabled). */
export const requestSpan =
  (options: RequestSpanOptions) => <E, R>(app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>) =>
    Effect.withFiberRuntime<HttpServerResponse.HttpServerResponse, E, R>((fiber) => {
      if (!fiber.getFiberRef(FiberRef.currentTracerEnabled)) return app
      const request = Context.unsafeGet(fiber.currentContext, HttpServerRequest.HttpServerRequest)
      const route = options.routePatternOf(request.url)
      return Effect.useSpan(
        route === undefined ? request.method : `${request.method} ${route}`,
        {
          kind: "server",
          captureStackTrace: false,
          parent: Option.getOrUndefined(HttpTraceContext.fromHeaders(request.headers)),
          attributes: {
            "http.request.method": request.method,
            "url.path": options.pathOf(request.url),
            ...(route === undefined ? {} : { "http.route": route }),
            ...(request.remoteAddress._tag === "Some" ? { "client.address": request.remoteAddress.value } : {})
          }
        },
        (span) =>
          Effect.onExit(Effect.withParentSpan(app, span), (exit) =>
            // A failure is answered by the transport as `exitResponse` says (404, 500, ...).
            Effect.sync(() =>
              span.attribute(
                "http.response.status_code",
                Exit.isSuccess(exit) ? exit.value.status : HttpServerError.exitResponse(exit).status
              )
            ))
      )
    })
