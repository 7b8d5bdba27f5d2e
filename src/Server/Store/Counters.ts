/**
 * The SQL of the consecutive-failure rule with a lock (password login, OTP verification, partner
 * clients): each a single statement, so concurrent requests and several server instances cannot
 * lose an increment. The repositories whose rows carry a counter (`UsersRepo`,
 * `PartnerClientsRepo`) build these once and expose them as their own methods.
 */
import type * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import { Limits } from "../../Domain/Policy.js"

/** Where a counter lives: its table, key column, and its failures / locked-until columns. */
export interface CounterColumns {
  readonly table: string
  readonly key: string
  readonly failures: string
  readonly lockedUntil: string
}

/**
 * The statements of one counter: `recordFailure` adds one failure to the row `id` (not while it is
 * locked) and at `Limits.lockThreshold` restarts the count at zero and locks for `Limits.lockMs`,
 * answering true when this failure started the lock (the count it returns went back to zero);
 * `resetFailures` clears the count after a success.
 */
export const failureCounter = (sql: SqlClient.SqlClient, columns: CounterColumns) => {
  const table = sql(columns.table)
  const key = sql(columns.key)
  const failures = sql(columns.failures)
  const lockedUntil = sql(columns.lockedUntil)
  return {
    recordFailure: (id: string | number, now: number) =>
      sql`UPDATE ${table} SET
          ${failures} = CASE WHEN ${failures} + 1 >= ${Limits.lockThreshold} THEN 0 ELSE ${failures} + 1 END,
          ${lockedUntil} = CASE WHEN ${failures} + 1 >= ${Limits.lockThreshold} THEN ${
        now + Limits.lockMs
      } ELSE ${lockedUntil} END
        WHERE ${key} = ${id} AND (${lockedUntil} IS NULL OR ${lockedUntil} <= ${now})
        RETURNING ${failures} AS failures`.pipe(
        Effect.map((rows) => rows.length === 1 && Number(rows[0]!["failures"]) === 0)
      ),
    resetFailures: (id: string | number) =>
      sql`UPDATE ${table} SET ${failures} = 0 WHERE ${key} = ${id} AND ${failures} <> 0`.pipe(Effect.asVoid)
  }
}
