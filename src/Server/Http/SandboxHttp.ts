/** Handlers of the `sandbox` group: live in sandbox mode, 404 `NotFound` in production. */
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as Effect from "effect/Effect"
import { RampartApi } from "../../Api/RampartApi.js"
import { NotFound } from "../../Domain/Errors.js"
import { ServerConfig } from "../Config.js"
import { Sandbox } from "../Sandbox/Sandbox.js"
import { boundary } from "./Boundary.js"

/** `/sandbox/users`, `/sandbox/partners`, `/sandbox/outbox`. */
export const SandboxHttpLive = HttpApiBuilder.group(RampartApi, "sandbox", (handlers) =>
  Effect.gen(function* () {
    const config = yield* ServerConfig
    const sandbox = yield* Sandbox
    const gate = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
      config.mode === "sandbox" ? boundary(effect) : Effect.fail(new NotFound({ message: "Not found" }))
    return handlers
      .handle("createUser", ({ payload }) => gate(sandbox.createUser(payload.email, payload.password)))
      .handle("createPartner", ({ payload }) => gate(sandbox.createPartner(payload.email, payload.password)))
      .handle("outbox", ({ urlParams }) => gate(sandbox.outbox(urlParams.to)))
  })
)
