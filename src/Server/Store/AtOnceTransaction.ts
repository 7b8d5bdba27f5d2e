/**
 * Transactions that start at once: an outermost transaction of a client whose connection is free
 * begins, commits and rolls back synchronously on it, instead of through `@effect/sql`'s
 * `withTransaction` (its span, scope, connection acquisition and release: ~20 µs a transaction on
 * SQLite, where `BEGIN` and `COMMIT` themselves take ~2 µs). It keeps that function's rules: the
 * connection is held (its semaphore taken) from `BEGIN` to `COMMIT`/`ROLLBACK`, the effect runs
 * interruptibly with the connection in context as `TransactionConnection` at depth 0 (so nested
 * transactions are savepoints, as usual), success commits, any failure, defect or interruption
 * rolls back, and a `COMMIT` or `ROLLBACK` that fails is a defect. The usual `withTransaction`
 * stays for a nested transaction, a tracer that is on (the transaction keeps its span), and a
 * connection another fiber holds (it waits its turn). Measured in docs/benchmarks.md.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import type * as SqlConnection from "@effect/sql/SqlConnection"
import type { SqlError } from "@effect/sql/SqlError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberRef from "effect/FiberRef"
import * as Option from "effect/Option"
import { storeFailure } from "./StoreFailure.js"

/** A statement that begins or ends a transaction, as the at-once paths run it on the connection. */
export type TransactionStatement = "BEGIN" | "COMMIT" | "ROLLBACK"

/** The connection of a client that can run its transaction statements synchronously. */
export interface AtOnceConnection {
  /** The connection a transaction runs on, provided as `TransactionConnection`. */
  readonly connection: SqlConnection.Connection
  /** The connection's semaphore (one permit), as the client's transaction acquirer takes it. */
  readonly semaphore: Effect.Semaphore
  /** Whether a transaction holds the connection; set while one started here does. */
  readonly held: { value: boolean }
  /** Runs `BEGIN`, `COMMIT` or `ROLLBACK` now; throws the driver's error. */
  readonly now: (statement: TransactionStatement) => void
}

/** `client` whose outermost transactions start at once on `at` when its connection is free. */
export const atOnceTransactions = (client: SqlClient.SqlClient, at: AtOnceConnection): SqlClient.SqlClient => {
  const usual = client.withTransaction
  /** The transaction on the held connection: `BEGIN`, the effect, then `COMMIT` or `ROLLBACK`. */
  const started = <A, E, R>(
    effect: Effect.Effect<A, E, R>,
    context: Context.Context<never>
  ): Effect.Effect<A, E | SqlError, R> =>
    Effect.uninterruptibleMask((restore): Effect.Effect<A, E | SqlError, R> => {
      try {
        at.now("BEGIN")
      } catch (cause) {
        return Effect.fail(storeFailure(cause))
      }
      at.held.value = true
      const inside = Context.add(context, SqlClient.TransactionConnection, [at.connection, 0] as const)
      return Effect.flatMap(Effect.exit(Effect.locally(restore(effect), FiberRef.currentContext, inside)), (exit) => {
        try {
          at.now(Exit.isSuccess(exit) ? "COMMIT" : "ROLLBACK")
        } catch (cause) {
          return Effect.die(storeFailure(cause))
        } finally {
          at.held.value = false
        }
        return exit
      })
    })
  const withTransaction = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | SqlError, R> =>
    Effect.withFiberRuntime<A, E | SqlError, R>((fiber) => {
      const context = fiber.currentContext
      if (
        at.held.value || context.unsafeMap.has(SqlClient.TransactionConnection.key) ||
        fiber.getFiberRef(FiberRef.currentTracerEnabled)
      ) return usual(effect)
      // The permit is free unless a transaction of the usual path is between taking it and holding the connection.
      return Effect.flatMap(
        at.semaphore.withPermitsIfAvailable(1)(started(effect, context as Context.Context<never>)),
        (result): Effect.Effect<A, E | SqlError, R> =>
          Option.isSome(result) ? Effect.succeed(result.value) : usual(effect)
      )
    })
  return Object.assign(client, { withTransaction })
}
