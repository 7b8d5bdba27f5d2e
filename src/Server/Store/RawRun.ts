/**
 * Statements run outside `@effect/sql`'s statement path (no scope, span or fiber per statement) on
 * Rampart's own SQLite client, for the refresh path, where that path cost more than the work
 * (docs/benchmarks.md, "The audit row"): a read run at once, and a write committed with the other
 * writes of its turn of the event loop (GroupCommit.ts). Only `SqliteStore.ts` offers them; on any
 * other client (PostgreSQL, a host's) and inside a transaction callers take the usual path, and a
 * read does too while another fiber's transaction holds the connection. This module loads no driver.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { SqlError } from "@effect/sql/SqlError"
import * as Effect from "effect/Effect"
import type { GroupedWrite } from "./GroupCommit.js"

/** What the SQLite client runs outside `@effect/sql`'s statement path. */
export interface RawStatements {
  /** Runs a write outside any transaction, committed with the other writes of this turn (GroupCommit.ts): its result once committed. */
  readonly grouped: GroupedWrite
  /** Runs a read of at most one row at once: `{ row }` (`row` undefined when there is none); `undefined` while a transaction holds the connection; a driver error is thrown as a `SqlError`. */
  readonly get: (sql: string, params: ReadonlyArray<unknown>) => { readonly row: unknown } | undefined
}

/** Where a client keeps its `RawStatements`. */
const RawStatementsId: unique symbol = Symbol.for("rampart/Store/RawStatements")

/** `client` offering `statements`. */
export const withRawStatements = <C extends SqlClient.SqlClient>(client: C, statements: RawStatements): C =>
  Object.assign(client, { [RawStatementsId]: statements })

/** The `RawStatements` of `sql` when it is Rampart's SQLite client; `undefined` for any other client. */
const rawStatementsOf = (sql: SqlClient.SqlClient): RawStatements | undefined =>
  (sql as SqlClient.SqlClient & { readonly [RawStatementsId]?: RawStatements })[RawStatementsId]

/** `run(raw)` when `sql` is Rampart's SQLite client and no transaction is in this fiber's context; `usual()` otherwise (built only then). */
const outsideTransaction = <A, E, R>(
  sql: SqlClient.SqlClient,
  run: (raw: RawStatements) => Effect.Effect<A, E | SqlError, R>,
  usual: () => Effect.Effect<A, E, R>
): Effect.Effect<A, E | SqlError, R> => {
  const raw = rawStatementsOf(sql)
  if (raw === undefined) return usual()
  return Effect.withFiberRuntime<A, E | SqlError, R>((fiber) =>
    fiber.currentContext.unsafeMap.has(SqlClient.TransactionConnection.key) ? usual() : run(raw)
  )
}

/**
 * `fast` on `sql`'s raw statements when it can run now (Rampart's SQLite client, no transaction in
 * this fiber, none holding the connection), failing with the driver's `SqlError`; `usual()` otherwise
 * (built only then: a statement is not compiled for nothing).
 */
export const rawOr = <A, E, R>(
  sql: SqlClient.SqlClient,
  fast: (raw: RawStatements) => { readonly value: A } | undefined,
  usual: () => Effect.Effect<A, E, R>
): Effect.Effect<A, E | SqlError, R> =>
  outsideTransaction(sql, (raw) => {
    try {
      const result = fast(raw)
      return result === undefined ? usual() : Effect.succeed(result.value)
    } catch (error) {
      // A store failure fails; anything else `fast` throws (a row that does not decode) is a defect.
      if (error instanceof SqlError) return Effect.fail(error)
      throw error
    }
  }, usual)

/**
 * `grouped` on `sql`'s raw statements (Rampart's SQLite client, no transaction in this fiber: the
 * write commits with the others of its turn); `usual()` otherwise (built only then).
 */
export const groupedOr = <A, E, R>(
  sql: SqlClient.SqlClient,
  grouped: (raw: RawStatements) => Effect.Effect<A, SqlError>,
  usual: () => Effect.Effect<A, E, R>
): Effect.Effect<A, E | SqlError, R> => outsideTransaction(sql, grouped, usual)
