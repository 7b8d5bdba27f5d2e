/** Handlers of the `sandbox` group: live in sandbox mode, 404 `NotFound` in production. */
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import { RampartApi } from "../../Api/RampartApi.js"
import { NotFound } from "../../Domain/Errors.js"
import { FaultCreated, RotatedSigningKeys } from "../../Domain/Sandbox.js"
import { MAX_EVENTS_PER_PAGE } from "../../Domain/SecurityEvent.js"
import { ServerConfig } from "../Config.js"
import { IdTokens } from "../Crypto/IdTokens.js"
import { SecurityEvents } from "../Events/SecurityEvents.js"
import { rotateSandboxKeys } from "../Keys.js"
import { Faults } from "../Sandbox/Faults.js"
import { Sandbox } from "../Sandbox/Sandbox.js"
import { SandboxClock } from "../Sandbox/SandboxClock.js"
import { sandboxPageCsp, sandboxPageHtml } from "../Sandbox/SandboxPage.js"
import { SandboxSeed } from "../Sandbox/SeedPlan.js"
import { forAnyApi } from "./AnyApi.js"
import { boundary } from "./Boundary.js"

/** Every `/sandbox` route. */
export const layerSandboxHttp = forAnyApi(
  HttpApiBuilder.group(RampartApi, "sandbox", (handlers) =>
    Effect.gen(function*() {
      const config = yield* ServerConfig
      const sandbox = yield* Sandbox
      const sandboxClock = yield* SandboxClock
      const faults = yield* Faults
      const events = yield* SecurityEvents
      const seed = yield* SandboxSeed
      const rotateKeys = Effect.map(
        rotateSandboxKeys(yield* IdTokens, config.stateDirectory),
        (rotated) => new RotatedSigningKeys(rotated)
      )
      const gate = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
        config.mode === "sandbox" ? boundary(effect) : Effect.fail(new NotFound({ message: "Not found" }))
      /** The sandbox page, with its Content-Security-Policy (nothing but itself and its own origin). */
      const sandboxPage = HttpServerResponse.text(sandboxPageHtml, {
        contentType: "text/html; charset=utf-8",
        headers: {
          "content-security-policy": sandboxPageCsp,
          "x-content-type-options": "nosniff",
          "referrer-policy": "no-referrer",
          "cache-control": "no-store"
        }
      })
      /** Empty store, offset 0, no faults, the seed applied again. */
      const reset = Effect.all([sandbox.wipe, faults.clear, seed.apply], { discard: true })
      return handlers
        .handle("createUser", ({ payload }) => gate(sandbox.createUser(payload.email, payload.password)))
        .handle("createPartner", ({ payload }) =>
          gate(sandbox.createPartner(payload.email, payload.password, payload.totp_secret)))
        .handle("accounts", () =>
          gate(sandbox.listAccounts))
        .handle("outbox", ({ urlParams }) => gate(sandbox.outbox(urlParams.to)))
        .handle("clock", () => gate(sandboxClock.time))
        .handle("advanceClock", ({ payload }) => gate(sandboxClock.advance(payload.advanceSeconds)))
        .handle("reset", () => gate(reset))
        .handle("rotateKeys", () => gate(rotateKeys))
        .handle("addFault", ({ payload }) => gate(Effect.map(faults.add(payload), (id) => new FaultCreated({ id }))))
        .handle("clearFaults", () => gate(faults.clear))
        .handle("events", ({ urlParams }) => gate(events.after(urlParams.after ?? 0, MAX_EVENTS_PER_PAGE)))
        .handle("page", () => gate(Effect.succeed(sandboxPage)))
    }))
)
