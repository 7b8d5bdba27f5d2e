/**
 * Decoding SQL rows with Schema. BIGINT columns arrive as numbers from SQLite and as strings from
 * PostgreSQL; a row that does not match its schema is a broken invariant (a defect), while store
 * failures stay typed `SqlError`s.
 */
import { Effect, Schema } from "effect"

/** A BIGINT column (Unix milliseconds, counters) from either store. */
export const Millis = Schema.Union(Schema.Number, Schema.NumberFromString)

type RowsDecoder = (rows: ReadonlyArray<unknown>) => Effect.Effect<ReadonlyArray<unknown>>

// One compiled decoder per row schema: building `Schema.Array(row)` and its parser costs more than
// the query it decodes (~80 µs against ~7 µs on the refresh path), and callers name the schema inline.
const decoders = new WeakMap<Schema.Schema.All, RowsDecoder>()

/** Decodes result rows with `row`; a mismatch dies. */
export const decodeRows = <A, I>(row: Schema.Schema<A, I>): ((rows: ReadonlyArray<unknown>) => Effect.Effect<ReadonlyArray<A>>) => {
  let decoder = decoders.get(row)
  if (decoder === undefined) {
    const decode = Schema.decodeUnknown(Schema.Array(row))
    decoder = (rows) => Effect.orDie(decode(rows))
    decoders.set(row, decoder)
  }
  return decoder as (rows: ReadonlyArray<unknown>) => Effect.Effect<ReadonlyArray<A>>
}
