/** The store's health for `GET /health`: which store is in use, and whether it answers. */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { StoreInfo } from "./Database.js"

/** Whether the store answers (`ping`, a `SELECT 1`) and which kind it is. */
export class StoreHealth extends Effect.Service<StoreHealth>()("Rampart/Server/StoreHealth", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const store = yield* StoreInfo
    return {
      kind: store.kind,
      /** Succeeds when the store answers a trivial query. */
      ping: sql`SELECT 1`.pipe(Effect.asVoid)
    }
  })
}) {}
