/**
 * Decoding SQL rows with Schema. BIGINT columns arrive as numbers from SQLite and as strings from
 * PostgreSQL; a row that does not match its schema is a broken invariant (a defect), while store
 * failures stay typed `SqlError`s.
 */
import { Effect, Schema } from "effect"

/** A BIGINT column (Unix milliseconds, counters) from either store. */
export const Millis = Schema.Union(Schema.Number, Schema.NumberFromString)

/** Decodes result rows with `row`; a mismatch dies. */
export const decodeRows =
  <A, I>(row: Schema.Schema<A, I>) =>
  (rows: ReadonlyArray<unknown>): Effect.Effect<ReadonlyArray<A>> =>
    Effect.orDie(Schema.decodeUnknown(Schema.Array(row))(rows))
