/** Handlers of the `operations` group: health (the store answers) and the JWKS. */
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as Effect from "effect/Effect"
import { RampartApi } from "../../Api/RampartApi.js"
import { Health, Jwks } from "../../Domain/Operations.js"
import { IdTokens } from "../Crypto/IdTokens.js"
import { StoreHealth } from "../Store/StoreHealth.js"
import { forAnyApi } from "./AnyApi.js"
import { boundary } from "./Boundary.js"

/** `GET /health`, `GET /.well-known/jwks.json`. */
export const layerOperationsHttp = forAnyApi(
  HttpApiBuilder.group(RampartApi, "operations", (handlers) =>
    Effect.gen(function*() {
      const store = yield* StoreHealth
      const idTokens = yield* IdTokens
      return handlers
        .handle("health", () => boundary(Effect.as(store.ping, new Health({ status: "ok", store: store.kind }))))
        .handle("jwks", () => Effect.sync(() => new Jwks(idTokens.jwks(), true)))
    }))
)
