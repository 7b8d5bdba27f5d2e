/**
 * The repository of the `sandbox_clock` table: the one row holding sandbox time's forward-only
 * offset, read, moved atomically, and put back to 0 by a reset.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as SqlSchema from "@effect/sql/SqlSchema"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { dieOnMismatch, Millis } from "../Store/Rows.js"

const OffsetRow = Schema.Struct({ offset_ms: Millis })

/** The `sandbox_clock` table. */
export class SandboxClockRepo extends Effect.Service<SandboxClockRepo>()("Rampart/Server/SandboxClockRepo", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const read = dieOnMismatch(
      SqlSchema.single({
        Request: Schema.Void,
        Result: OffsetRow,
        execute: () => sql`SELECT offset_ms FROM rampart_sandbox_clock WHERE id = 1`
      })
    )
    const add = dieOnMismatch(
      SqlSchema.single({
        Request: Schema.Number,
        Result: OffsetRow,
        execute: (ms) =>
          sql`UPDATE rampart_sandbox_clock SET offset_ms = offset_ms + ${ms} WHERE id = 1 RETURNING offset_ms`
      })
    )
    return {
      /** The stored offset, in milliseconds. */
      offsetMs: Effect.map(read(undefined), (row) => row.offset_ms),
      /** Adds `ms` to the offset atomically; the new offset. */
      addMs: (ms: number) => Effect.map(add(ms), (row) => row.offset_ms),
      /** Puts the offset back to 0. */
      reset: sql`UPDATE rampart_sandbox_clock SET offset_ms = 0 WHERE id = 1`.pipe(Effect.asVoid)
    }
  })
}) {}
