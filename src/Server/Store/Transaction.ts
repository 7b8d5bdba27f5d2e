/**
 * One transaction per state change. A refusal (a tagged domain error such as `InvalidOtp`) commits
 * what the attempt recorded — the counters must survive the refusal — while a store failure or a
 * defect rolls everything back.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as SqlError from "@effect/sql/SqlError"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"

/**
 * Runs `effect` in a transaction of `sql` (the store the service was built on, never the caller's)
 * that commits on success and on domain refusals, and rolls back otherwise.
 */
export const transactOn =
  (sql: SqlClient.SqlClient) => <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | SqlError.SqlError, R> =>
    sql.withTransaction(
      effect.pipe(
        Effect.map((a) => Either.right(a) as Either.Either<A, E>),
        Effect.catchIf(
          (e): e is Exclude<E, SqlError.SqlError> => !(e instanceof SqlError.SqlError),
          (e) => Effect.succeed(Either.left(e) as Either.Either<A, E>)
        )
      )
    ).pipe(Effect.flatMap((result) => result))

/** `transactOn` the `SqlClient` in context. */
export const transact = <A, E, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, E | SqlError.SqlError, R | SqlClient.SqlClient> =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => transactOn(sql)(effect))
