/**
 * The edge between domain services and HTTP: store failures and defects become the documented
 * `InternalError` (500) after being logged; nothing internal reaches the client.
 */
import * as SqlError from "@effect/sql/SqlError"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import { InternalError } from "../../Domain/Errors.js"

/** The body of every 500. */
export const internalError = () => new InternalError({ message: "Internal error" })

/** Maps `SqlError` and defects of `effect` to a logged `InternalError`. */
export const boundary = <A, E, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, Exclude<E, SqlError.SqlError> | InternalError, R> =>
  effect.pipe(
    Effect.catchIf(
      (e): e is Extract<E, SqlError.SqlError> => e instanceof SqlError.SqlError,
      (error) => Effect.zipRight(Effect.logError("store failure", Cause.fail(error)), Effect.fail(internalError()))
    ),
    Effect.catchAllDefect((defect) =>
      Effect.zipRight(Effect.logError("unexpected defect", Cause.die(defect)), Effect.fail(internalError()))
    )
  ) as Effect.Effect<A, Exclude<E, SqlError.SqlError> | InternalError, R>
