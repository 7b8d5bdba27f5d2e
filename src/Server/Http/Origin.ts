/** The caller's IP and `User-Agent` of every request, so security events name them. */
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Layer from "effect/Layer"
import { OriginResolver } from "../Events/RequestOrigin.js"

/**
 * The request origin for a served app: provided once to the serving layer, it reads the IP and
 * `User-Agent` of the request in the fiber's context when an event is stored.
 */
export const layerRequestOrigin = Layer.succeed(OriginResolver, (context) => {
  const request = context.unsafeMap.get(HttpServerRequest.HttpServerRequest.key) as
    | HttpServerRequest.HttpServerRequest
    | undefined
  return request === undefined ? undefined : {
    ip: request.remoteAddress._tag === "Some" ? request.remoteAddress.value : undefined,
    device: request.headers["user-agent"]
  }
})
