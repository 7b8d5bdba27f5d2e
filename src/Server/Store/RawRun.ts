/**
 * A write run at once on Rampart's own SQLite client, outside `@effect/sql`'s statement path (no
 * scope, span or fiber per statement): the refresh's audit row is the one statement where that path
 * cost more than the row (docs/benchmarks.md, "The audit row"). Only `SqliteStore.ts` makes one;
 * any other client (PostgreSQL, a host's) has none and its callers take the usual path. This module
 * loads no driver.
 */
import type * as SqlClient from "@effect/sql/SqlClient"

/** Runs one write now when no transaction holds the connection: its result, or `undefined` to take the usual path. */
export type RawRun = (
  sql: string,
  params: ReadonlyArray<unknown>
) => { readonly lastInsertRowid: number | bigint } | undefined

/** Where a client keeps its `RawRun`. */
const RawRunId: unique symbol = Symbol.for("rampart/Store/RawRun")

/** `client` with `run` as its `RawRun`. */
export const withRawRun = <C extends SqlClient.SqlClient>(client: C, run: RawRun): C =>
  Object.assign(client, { [RawRunId]: run })

/** The `RawRun` of `sql` when it is Rampart's SQLite client; `undefined` for any other client. */
export const rawRunOf = (sql: SqlClient.SqlClient): RawRun | undefined =>
  (sql as SqlClient.SqlClient & { readonly [RawRunId]?: RawRun })[RawRunId]
