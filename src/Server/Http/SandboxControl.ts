/**
 * The sandbox's hold on every request (sandbox mode only): an armed fault (`Faults`) delays the
 * request and/or answers it with its status and `{ _tag: "SandboxFault", message }` — never on
 * `/sandbox` and `/sandbox/*` — and everything else but `/health` runs on sandbox time (`SandboxClock`), the
 * offset read from the store first so that every instance on one store agrees (a store that cannot
 * be read is a 503 `ServiceUnavailable`, as everywhere).
 */
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as SqlError from "@effect/sql/SqlError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { ServerConfig } from "../Config.js"
import { Faults } from "../Sandbox/Faults.js"
import { SandboxClock } from "../Sandbox/SandboxClock.js"
import { unavailableAfterLogging } from "./Boundary.js"
import { pathOf } from "./RouteTable.js"

/** Whether `path` is a sandbox control route, which faults never touch. */
const isSandboxPath = (path: string): boolean => path === "/sandbox" || path.startsWith("/sandbox/")

/**
 * The answer of a fault with a status: a 503 is the contract's `ServiceUnavailable` (what a real
 * outage answers, so the client's typed error and retries are exercised), any other status
 * `{ _tag: "SandboxFault", message }`.
 */
const faultAnswer = (id: string, status: number) =>
  HttpServerResponse.unsafeJson(
    {
      _tag: status === 503 ? "ServiceUnavailable" : "SandboxFault",
      message: `Fault ${id} injected with POST /sandbox/faults (answered ${status})`
    },
    { status }
  )

/** Faults and sandbox time around `app`. */
const controlled = (faults: Faults, sandboxClock: SandboxClock) => (app: HttpApp.Default) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const path = pathOf(request.url)
    if (!isSandboxPath(path)) {
      const hit = yield* faults.take(request.method, path)
      if (Option.isSome(hit)) {
        const { delayMs, id, status } = hit.value
        if (delayMs !== undefined && delayMs > 0) yield* Effect.sleep(Duration.millis(delayMs))
        if (status !== undefined) return faultAnswer(id, status)
      }
    }
    // `/health` reads no time: it answers within its own bound, without the store's clock read first.
    if (path === "/health") return yield* app
    // A store that cannot give the sandbox time is a 503 like any other store failure.
    return yield* sandboxClock.withSandboxTime(app).pipe(
      Effect.catchIf(
        (error): error is SqlError.SqlError => error instanceof SqlError.SqlError,
        (error) =>
          unavailableAfterLogging(error).pipe(
            Effect.catchAll((unavailable) => HttpServerResponse.json(unavailable, { status: 503 })),
            Effect.orDie
          )
      )
    )
  })

/** The sandbox's faults and time on every request, in sandbox mode; nothing in production. */
export const layerSandboxControl = HttpApiBuilder.middleware(
  Effect.gen(function*() {
    const config = yield* ServerConfig
    if (config.mode !== "sandbox") return (app: HttpApp.Default) => app
    return controlled(yield* Faults, yield* SandboxClock)
  })
)
