/** The store's health for `GET /health`: which store is in use, and whether it answers. */
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import { StoreInfo } from "./Database.js"

/** Whether the store answers (`ping`, a `SELECT 1`) and which kind it is. */
export class StoreHealth extends Effect.Service<StoreHealth>()("Rampart/Server/StoreHealth", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const store = yield* StoreInfo
    return {
      kind: store.kind,
      /** Succeeds when the store answers a trivial query. */
      ping: sql`SELECT 1`.pipe(Effect.asVoid)
    }
  })
}) {}
