/**
 * Rampart's edge policies for a host's own `HttpApi` (one that folds Rampart's groups in, or any
 * other): what `layerRoutes` does around Rampart's API, as one layer to serve with instead of
 * `HttpApiBuilder.serve()` — the body refused with 413 before it is read past 64 KiB (and a
 * non-JSON body with 415), JSON 404/405 (with `Allow`) for requests no route takes, decoding
 * failures in plain, bounded words naming the field, `Retry-After` on 503s, a request id and one log line per request,
 * and the caller's IP and device for security events. The host's own declared errors are encoded
 * by its API as it declares them.
 */
import type * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import type * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as Layer from "effect/Layer"
import type { RequestLogFormat } from "../Config.js"
import { layerMaxBodySize, limitBody } from "./BodyLimits.js"
import { layerPlainDecodeErrorsFor } from "./DecodeErrors.js"
import { layerRequestOrigin } from "./Origin.js"
import { requestLog } from "./RequestLog.js"
import { retryAfterOn503 } from "./RetryAfter.js"
import { answerUnrouted, apiRoutes, routePattern, routeTable, shownPath } from "./RouteTable.js"

/** How the edge logs: one line per request as `text` (default), `json`, or `off`. */
export interface EdgeOptions {
  readonly logFormat?: RequestLogFormat | undefined
}

/** Serves `api` (as `HttpApiBuilder.serve()` does) behind Rampart's edge policies. */
export const layerServeWithEdge = <Id extends string, Groups extends HttpApiGroup.HttpApiGroup.Any, E, R>(
  api: HttpApi.HttpApi<Id, Groups, E, R>,
  options: EdgeOptions = {}
) => {
  const routes = routeTable(apiRoutes(api))
  const routePatternOf = (url: string) => routePattern(routes, url)
  const log = requestLog({
    format: options.logFormat ?? "text",
    routeOf: (url) => routePatternOf(url) ?? shownPath(url)
  })
  return HttpApiBuilder.serve((app) => log(retryAfterOn503(limitBody(app)))).pipe(
    Layer.provide(layerPlainDecodeErrorsFor(api as unknown as HttpApi.HttpApi.Any)),
    Layer.provide(HttpApiBuilder.middleware((app) => answerUnrouted(app, routes))),
    Layer.provide([layerRequestOrigin, layerMaxBodySize])
  )
}
