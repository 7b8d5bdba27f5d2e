/** Sets `RequestOrigin` (the caller's IP and `User-Agent`) for every request, so security events name them. */
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { RequestOrigin } from "../Events/RequestOrigin.js"

/** `RequestOrigin` from the request around `app`. */
const withOrigin = (app: HttpApp.Default) =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
    Effect.provideService(app, RequestOrigin, {
      ip: Option.getOrUndefined(request.remoteAddress),
      device: request.headers["user-agent"]
    }))

/** The request origin on every request. */
export const layerRequestOrigin = HttpApiBuilder.middleware(Effect.succeed(withOrigin))
