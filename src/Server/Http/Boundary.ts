/**
 * The edge between domain services and HTTP: a store that fails (down, frozen past its timeout,
 * full, locked) becomes the documented `ServiceUnavailable` (503, with `Retry-After`), logged as one
 * line per burst with a count; failed OTP deliveries and defects become `InternalError` (500,
 * Criptan's status for them) after being logged. Nothing internal reaches the client.
 */
import * as SqlError from "@effect/sql/SqlError"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Runtime from "effect/Runtime"
import { InternalError, ServiceUnavailable } from "../../Domain/Errors.js"
import { makeBurstLog } from "../../internal/BurstLog.js"
import { oneLine } from "../../internal/OneLine.js"
import { DeliveryError } from "../Otp/Delivery.js"

/** The body of every 500. */
export const internalError = () => new InternalError({ message: "Internal error" })

/** The body of a 503 for a store that could not be used. */
export const storeUnavailable = () =>
  new ServiceUnavailable({ message: "The store is unavailable; nothing was changed. Retry later." })

/** Store failures, one log line per burst. */
const storeFailures = makeBurstLog("store unavailable, answered 503")

/** The one-line reason of a store failure: the driver's message, never a stack. */
const reasonOf = (error: SqlError.SqlError): string => {
  const cause = error.cause as { readonly message?: unknown; readonly code?: unknown } | undefined
  const detail = typeof cause?.message === "string" ? cause.message : String(error.cause)
  return oneLine(`${error.message}: ${typeof cause?.code === "string" ? `${cause.code} ` : ""}${detail}`).slice(0, 300)
}

/** Logs a store failure as part of its burst; the 503 to answer. */
export const unavailableAfterLogging = (error: SqlError.SqlError): Effect.Effect<never, ServiceUnavailable> =>
  Effect.flatMap(Effect.runtime<never>(), (runtime) => {
    storeFailures(reasonOf(error), (line) => Runtime.runFork(runtime)(Effect.logError(line)))
    return Effect.fail(storeUnavailable())
  })

/** Maps `SqlError` to `ServiceUnavailable`, `DeliveryError` and defects of `effect` to a logged `InternalError`. */
export const boundary = <A, E, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, Exclude<E, SqlError.SqlError | DeliveryError> | InternalError | ServiceUnavailable, R> =>
  effect.pipe(
    Effect.catchIf(
      (e): e is Extract<E, SqlError.SqlError | DeliveryError> =>
        e instanceof SqlError.SqlError || e instanceof DeliveryError,
      (error): Effect.Effect<never, InternalError | ServiceUnavailable> =>
        error instanceof SqlError.SqlError
          ? unavailableAfterLogging(error)
          : Effect.zipRight(
            Effect.logError(`OTP delivery failed: ${(error as DeliveryError).message}`, Cause.fail(error)),
            Effect.fail(internalError())
          )
    ),
    // `@effect/sql` turns a failed COMMIT into a defect: still a store failure, still a 503.
    Effect.catchAllDefect((defect): Effect.Effect<never, InternalError | ServiceUnavailable> =>
      defect instanceof SqlError.SqlError
        ? unavailableAfterLogging(defect)
        : Effect.zipRight(Effect.logError("unexpected defect", Cause.die(defect)), Effect.fail(internalError()))
    )
  ) as Effect.Effect<A, Exclude<E, SqlError.SqlError | DeliveryError> | InternalError | ServiceUnavailable, R>
