/** The store's health for `GET /health`: which store is in use, and whether it can be read and written. */
import * as SqlClient from "@effect/sql/SqlClient"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { StoreInfo } from "./Database.js"

/** Whether the store can be read and written (one upsert returning its row) and which kind it is. */
export class StoreHealth extends Effect.Service<StoreHealth>()("Rampart/Server/StoreHealth", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const store = yield* StoreInfo
    return {
      kind: store.kind,
      /** Succeeds when the store writes a row and reads it back (a full disk or a read-only store fails it). */
      probe: Effect.flatMap(
        Clock.currentTimeMillis,
        (now) =>
          sql`INSERT INTO rampart_leases (name, owner, until) VALUES ('health', NULL, ${now})
          ON CONFLICT (name) DO UPDATE SET until = excluded.until RETURNING until`.pipe(Effect.asVoid)
      )
    }
  })
}) {}
