/** A driver error as `@effect/sql`'s `SqlError`: one home for the SQLite client and its at-once paths. */
import { SqlError } from "@effect/sql/SqlError"

/** `cause`, thrown by the driver, as the `SqlError` `@effect/sql`'s own SQLite client would make of it. */
export const storeFailure = (cause: unknown): SqlError =>
  new SqlError({ cause, message: "Failed to execute statement" })
