/**
 * The edge between domain services and HTTP: store failures, failed OTP deliveries and defects
 * become the documented `InternalError` (500, Criptan's status for them) after being logged;
 * nothing internal reaches the client.
 */
import * as SqlError from "@effect/sql/SqlError"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import { InternalError } from "../../Domain/Errors.js"
import { DeliveryError } from "../Otp/Delivery.js"

/** The body of every 500. */
export const internalError = () => new InternalError({ message: "Internal error" })

/** Maps `SqlError`, `DeliveryError` and defects of `effect` to a logged `InternalError`. */
export const boundary = <A, E, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, Exclude<E, SqlError.SqlError | DeliveryError> | InternalError, R> =>
  effect.pipe(
    Effect.catchIf(
      (e): e is Extract<E, SqlError.SqlError | DeliveryError> =>
        e instanceof SqlError.SqlError || e instanceof DeliveryError,
      (error) =>
        Effect.zipRight(
          error instanceof DeliveryError
            ? Effect.logError(`OTP delivery failed: ${error.message}`, Cause.fail(error))
            : Effect.logError("store failure", Cause.fail(error)),
          Effect.fail(internalError())
        )
    ),
    Effect.catchAllDefect((defect) =>
      Effect.zipRight(Effect.logError("unexpected defect", Cause.die(defect)), Effect.fail(internalError()))
    )
  ) as Effect.Effect<A, Exclude<E, SqlError.SqlError | DeliveryError> | InternalError, R>
