/**
 * The lean transport (src/Server/Http/Transport/LeanHttpServer.ts) gives an ended request fiber the
 * server's own fiber refs back: the fiber, which Effect's root set may still name after it ended,
 * no longer reaches the request it served (docs/benchmarks.md, "Garbage"). Checked on a real
 * `node:http` server over loopback, for an answer written at once and for one written after an
 * asynchronous step, and for a request that failed.
 */
import * as HttpServer from "@effect/platform/HttpServer"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { describe, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import * as FiberRefs from "effect/FiberRefs"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { layerLeanServer } from "../../../src/Server/Http/Transport/LeanHttpServer.js"

/** The fibers that served requests, as the app saw them. */
const served: Array<Fiber.RuntimeFiber<unknown, unknown>> = []

const app = Effect.withFiberRuntime<HttpServerResponse.HttpServerResponse, Error, HttpServerRequest.HttpServerRequest>(
  (fiber) => {
    served.push(fiber)
    return Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
      request.url === "/later"
        ? Effect.as(Effect.sleep("5 millis"), HttpServerResponse.text("later"))
        : request.url === "/fails"
        ? Effect.fail(new Error("refused"))
        : Effect.succeed(HttpServerResponse.text("now")))
  }
)

/** Whether the fiber's refs still hold the request it served. */
const holdsItsRequest = (fiber: Fiber.RuntimeFiber<unknown, unknown>): boolean => {
  const context = Option.getOrUndefined(FiberRefs.get(fiber.getFiberRefs(), FiberRef.currentContext))
  return context !== undefined && Context.getOption(context, HttpServerRequest.HttpServerRequest)._tag === "Some"
}

describe("lean transport", () => {
  it.live("an ended request fiber no longer reaches its request", () =>
    Effect.gen(function*() {
      const server = createServer()
      yield* Layer.launch(
        HttpServer.serve(app).pipe(
          Layer.provide(layerLeanServer(() => server, { port: 0, host: "127.0.0.1" }, { maxBodyBytes: 1024 }))
        )
      ).pipe(Effect.forkScoped)
      while (!server.listening) yield* Effect.sleep("10 millis")
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      for (const path of ["/now", "/later", "/fails"]) {
        const response = yield* Effect.promise(() => fetch(base + path))
        yield* Effect.promise(() => response.text())
        expect(response.status).toBe(path === "/fails" ? 500 : 200)
      }
      expect(served).toHaveLength(3)
      for (const fiber of served) {
        yield* Fiber.await(fiber)
        expect(holdsItsRequest(fiber)).toBe(false)
        expect(Context.getOption(fiber.currentContext, HttpServerRequest.HttpServerRequest)._tag).toBe("None")
      }
    }).pipe(Effect.scoped))
})
