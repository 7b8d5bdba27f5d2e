/**
 * The consecutive-failure counters with a lock (password login, OTP verification, partner clients),
 * and row locking for read-modify-write work: single SQL statements, so concurrent requests and
 * several server instances cannot lose an increment.
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { Limits } from "../../Domain/Policy.js"

/** Where a counter lives: its table, key column, and its failures / locked-until columns. */
export interface CounterColumns {
  readonly table: string
  readonly key: string
  readonly failures: string
  readonly lockedUntil: string
}

/**
 * One more failure for the row `id` (not while it is locked); at the threshold the count restarts
 * at zero and the lock starts for `Limits.lockMs`.
 */
export const recordFailure = (columns: CounterColumns, id: string | number, now: number) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => {
    const failures = sql(columns.failures)
    const lockedUntil = sql(columns.lockedUntil)
    return sql`UPDATE ${sql(columns.table)} SET
        ${failures} = CASE WHEN ${failures} + 1 >= ${Limits.lockThreshold} THEN 0 ELSE ${failures} + 1 END,
        ${lockedUntil} = CASE WHEN ${failures} + 1 >= ${Limits.lockThreshold} THEN ${now + Limits.lockMs} ELSE ${lockedUntil} END
      WHERE ${sql(columns.key)} = ${id} AND (${lockedUntil} IS NULL OR ${lockedUntil} <= ${now})`
  }).pipe(Effect.asVoid)

/** Clears the counter of the row `id` after a success. */
export const resetFailures = (columns: CounterColumns, id: string | number) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql`UPDATE ${sql(columns.table)} SET ${sql(columns.failures)} = 0
        WHERE ${sql(columns.key)} = ${id} AND ${sql(columns.failures)} <> 0`
  ).pipe(Effect.asVoid)

/** `SELECT * FROM table WHERE key = id`, locking the row for the transaction on PostgreSQL when asked. */
export const selectRow = (table: string, key: string, id: string | number, forUpdate: boolean) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    forUpdate
      ? sql.onDialectOrElse({
          pg: () => sql`SELECT * FROM ${sql(table)} WHERE ${sql(key)} = ${id} FOR UPDATE`,
          orElse: () => sql`SELECT * FROM ${sql(table)} WHERE ${sql(key)} = ${id}`
        })
      : sql`SELECT * FROM ${sql(table)} WHERE ${sql(key)} = ${id}`
  )
