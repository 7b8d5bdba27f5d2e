/**
 * Decoding SQL rows with Schema. BIGINT columns arrive as numbers from SQLite and as strings from
 * PostgreSQL; a row that does not match its schema is a broken invariant (a defect), while store
 * failures stay typed `SqlError`s. Repositories build their `SqlSchema` queries once and wrap them
 * with `dieOnMismatch`.
 */
import type * as SqlClient from "@effect/sql/SqlClient"
import * as SqlSchema from "@effect/sql/SqlSchema"
import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

/** A user id column: the store only holds ids Rampart created, so it is branded without re-checking the UUID. */
export const UserIdColumn = Schema.String.pipe(Schema.brand("UserId"))

/** A BIGINT column (Unix milliseconds, counters) from either store. */
export const Millis = Schema.Union(Schema.Number, Schema.NumberFromString)

/** A `SqlSchema` query whose request or rows do not match their schema dies; store failures stay typed. */
export const dieOnMismatch =
  <I, A, E, R>(query: (request: I) => Effect.Effect<A, E | ParseResult.ParseError, R>) =>
  (request: I): Effect.Effect<A, Exclude<E, ParseResult.ParseError>, R> =>
    Effect.catchIf(query(request), ParseResult.isParseError, Effect.die) as Effect.Effect<
      A,
      Exclude<E, ParseResult.ParseError>,
      R
    >

/**
 * The lookup of a table's row by its key, and the same lookup locking the row for the rest of the
 * transaction (`FOR UPDATE` on PostgreSQL; SQLite has one writer, so its plain read is already
 * serialised). Both are built once, for the repository that owns the table.
 */
export const rowByKey = <K extends string | number, A, I>(
  sql: SqlClient.SqlClient,
  options: {
    readonly table: string
    readonly key: string
    readonly Key: Schema.Schema<K>
    readonly Row: Schema.Schema<A, I>
  }
) => {
  const table = sql(options.table)
  const key = sql(options.key)
  const find = (lock: boolean) =>
    dieOnMismatch(
      SqlSchema.findOne({
        Request: options.Key,
        Result: options.Row,
        execute: (id) =>
          lock
            ? sql`SELECT * FROM ${table} WHERE ${key} = ${id} FOR UPDATE`
            : sql`SELECT * FROM ${table} WHERE ${key} = ${id}`
      })
    )
  const plain = find(false)
  const locked = sql.onDialectOrElse({ pg: () => find(true), orElse: () => plain })
  return (id: K, forUpdate = false) => (forUpdate ? locked : plain)(id)
}
