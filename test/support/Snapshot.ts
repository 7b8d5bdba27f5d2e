/**
 * A snapshot of every table of the store (SQLite or PostgreSQL): each table's rows serialised and
 * sorted, so two snapshots are equal exactly when no row was added, removed or changed.
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/** Every table of the store, by name (SQLite: all of `sqlite_master`; PostgreSQL: the current schema). */
export const tableNames = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql.onDialectOrElse({
    pg: () =>
      sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables
        WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
    orElse: () => sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`
  })
  return rows.map((row) => row.name)
})

/** One value as stable JSON (bigint, bytes and dates included). */
const stable = (_key: string, value: unknown): unknown => {
  if (typeof value === "bigint") return `bigint:${value}`
  if (value instanceof Uint8Array) return `bytes:${Buffer.from(value).toString("hex")}`
  return value
}

/** One row as JSON with its columns in name order. */
const serialiseRow = (row: Record<string, unknown>): string =>
  JSON.stringify(
    Object.keys(row)
      .sort()
      .map((column) => [column, row[column] instanceof Date ? (row[column] as Date).toISOString() : row[column]]),
    stable
  )

/** The row `GET /health` writes to prove the store takes writes: the one write of a request that changes nothing. */
const isHealthProbe = (table: string, row: Record<string, unknown>): boolean =>
  table === "rampart_leases" && row["name"] === "health"

/** Every row of every table (but the health probe's): `{ table: sorted serialised rows }`. */
export const snapshotTables = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const snapshot: Record<string, ReadonlyArray<string>> = {}
  for (const table of yield* tableNames) {
    const rows = yield* sql<Record<string, unknown>>`SELECT * FROM ${sql(table)}`
    snapshot[table] = rows.filter((row) => !isHealthProbe(table, row)).map(serialiseRow).sort()
  }
  return snapshot
})

/** Every value of every column of every row, as strings (for "this secret is nowhere" checks). */
export const allStoredValues = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const values: Array<{ readonly table: string; readonly column: string; readonly value: string }> = []
  for (const table of yield* tableNames) {
    const rows = yield* sql<Record<string, unknown>>`SELECT * FROM ${sql(table)}`
    for (const row of rows) {
      for (const [column, value] of Object.entries(row)) {
        if (value === null || value === undefined) continue
        values.push({
          table,
          column,
          value: value instanceof Uint8Array
            ? Buffer.from(value).toString("latin1")
            : value instanceof Date
            ? value.toISOString()
            : String(value)
        })
      }
    }
  }
  return values
})
