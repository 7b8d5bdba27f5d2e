/** Handlers of the `operations` group: health (the store can be read and written) and the JWKS. */
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { RampartApi } from "../../Api/RampartApi.js"
import { Health, HealthUnavailable, Jwks } from "../../Domain/Operations.js"
import { oneLine } from "../../internal/OneLine.js"
import { IdTokens } from "../Crypto/IdTokens.js"
import { StoreHealth } from "../Store/StoreHealth.js"
import { forAnyApi } from "./AnyApi.js"
import { ServerGate } from "./Transport/RequestGate.js"

/** How long `/health` waits for the store: its own bound, shorter than the store's timeout. */
export const HEALTH_TIMEOUT = Duration.seconds(1)

/** `GET /health`, `GET /.well-known/jwks.json`. */
export const layerOperationsHttp = forAnyApi(
  HttpApiBuilder.group(RampartApi, "operations", (handlers) =>
    Effect.gen(function*() {
      const store = yield* StoreHealth
      const idTokens = yield* IdTokens
      const gate = yield* ServerGate
      const unavailable = (reason: string) =>
        new HealthUnavailable({ status: "unavailable", store: store.kind, reason })
      // The probe is left to finish (or time out) on its own: the answer never waits past the bound.
      const probe = store.probe.pipe(
        Effect.disconnect,
        Effect.timeoutFail({
          duration: HEALTH_TIMEOUT,
          onTimeout: () => unavailable("the store did not answer within 1 s")
        }),
        Effect.catchTag("SqlError", (error) =>
          Effect.fail(unavailable(oneLine(`the store cannot be read and written: ${error.message}`).slice(0, 200))))
      )
      return handlers
        .handle("health", () =>
          gate.draining()
            ? Effect.fail(unavailable("the server is shutting down"))
            : Effect.as(probe, new Health({ status: "ok", store: store.kind })))
        .handle("jwks", () =>
          Effect.sync(() => new Jwks(idTokens.jwks(), true)))
    }))
)
