/** Handlers of the `operations` group: health (the store answers) and the JWKS. */
import { HttpApiBuilder } from "@effect/platform"
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { RampartApi } from "../../Api/RampartApi.js"
import { IdTokens } from "../../Crypto/IdTokens.js"
import { Health, Jwks } from "../../Domain/Operations.js"
import { StoreInfo } from "../Store/Database.js"
import { boundary } from "./Boundary.js"

/** `GET /health`, `GET /.well-known/jwks.json`. */
export const OperationsHttpLive = HttpApiBuilder.group(RampartApi, "operations", (handlers) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const store = yield* StoreInfo
    const idTokens = yield* IdTokens
    const jwks = new Jwks(idTokens.jwks)
    return handlers
      .handle("health", () => boundary(Effect.as(sql`SELECT 1`, new Health({ status: "ok", store: store.kind }))))
      .handle("jwks", () => Effect.succeed(jwks))
  })
)
