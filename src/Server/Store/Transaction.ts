/**
 * One transaction per state change, always on the store the service was built on. A refusal (a
 * tagged domain error such as `InvalidOtp`) commits what the attempt recorded — the counters must
 * survive the refusal — while a store failure, an error marked `RollsBack` (a failed delivery) or
 * a defect rolls everything back.
 *
 * `@effect/sql` finds a transaction's connection in the fiber's context under one tag shared by
 * every client, so a host that calls Rampart inside its own transaction (on its own `SqlClient`)
 * would have Rampart's statements run on the host's connection. Every public service method runs
 * `onOwnStore`: a transaction of another client is set aside for the call, while Rampart's own
 * transactions nest as usual. A host running Rampart on the host's own client
 * (`layerServicesOnSqlClient`, issue 24) and calling it inside a transaction of that same client
 * is the one case where they share a transaction: that is the host's choice.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as SqlError from "@effect/sql/SqlError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"

/** Marks an error class whose failure rolls its transaction back like a store failure (a failed delivery). */
export const RollsBack: unique symbol = Symbol.for("rampart/Store/RollsBack")

/** Whether `error` is a store failure or marked `RollsBack`: the transaction is rolled back, not committed. */
const rollsBack = (error: unknown): boolean =>
  error instanceof SqlError.SqlError || (typeof error === "object" && error !== null && RollsBack in error)

/**
 * What must commit with the transaction that decides an operation: given how the operation decided
 * (its value, or its refusal), it writes its records — the security events — in that transaction.
 * Set by `SecurityEvents.reporting`; run by the outermost `transactOn` inside it, at most once.
 */
export class BeforeCommit extends Context.Reference<BeforeCommit>()("Rampart/Store/BeforeCommit", {
  defaultValue: ():
    | ((decided: Either.Either<unknown, unknown>) => Effect.Effect<void, SqlError.SqlError>)
    | undefined => undefined
}) {}

/** The client whose transaction Rampart opened in the current fiber, if any. */
class OwnTransaction extends Context.Reference<OwnTransaction>()("Rampart/Store/OwnTransaction", {
  defaultValue: (): SqlClient.SqlClient | undefined => undefined
}) {}

/** Runs `effect` on `sql`'s own connections: a transaction of another client in the caller's context is set aside. */
export const onOwnStore =
  (sql: SqlClient.SqlClient) => <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.withFiberRuntime((fiber) => {
      const context = fiber.currentContext
      return !context.unsafeMap.has(SqlClient.TransactionConnection.key) || Context.get(context, OwnTransaction) === sql
        ? effect
        : Effect.mapInputContext(
          effect as Effect.Effect<A, E, never>,
          (input: Context.Context<never>) =>
            Context.omit(SqlClient.TransactionConnection)(input) as Context.Context<never>
        ) as Effect.Effect<A, E, R>
    })

/**
 * Runs `effect` in a transaction of `sql` (the store the service was built on, never the caller's)
 * that commits on success and on domain refusals, and rolls back otherwise. The outermost one runs
 * the `BeforeCommit` of the operation it decides before committing (a failure of it rolls back).
 */
export const transactOn =
  (sql: SqlClient.SqlClient) => <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | SqlError.SqlError, R> =>
    onOwnStore(sql)(
      Effect.flatMap(Effect.context<never>(), (context) => {
        const beforeCommit = Context.get(context, OwnTransaction) === sql
          ? undefined
          : Context.get(context, BeforeCommit)
        const decided = effect.pipe(
          Effect.map((a) => Either.right(a) as Either.Either<A, E>),
          Effect.catchIf(
            (e): e is Exclude<E, SqlError.SqlError> => !rollsBack(e),
            (e) => Effect.succeed(Either.left(e) as Either.Either<A, E>)
          ),
          Effect.provideService(OwnTransaction, sql)
        )
        return sql.withTransaction(
          beforeCommit === undefined ? decided : Effect.tap(decided, beforeCommit)
        ).pipe(Effect.flatMap((result) => result))
      })
    )

/** `service` with each method and effect run `onOwnStore(sql)` (what a service returns as its public face). */
export const ownStoreService = <S extends Record<string, unknown>>(sql: SqlClient.SqlClient, service: S): S => {
  const guard = onOwnStore(sql)
  const guarded: Record<string, unknown> = {}
  for (const [name, member] of Object.entries(service)) {
    guarded[name] = Effect.isEffect(member)
      ? guard(member)
      : typeof member === "function"
      ? (...args: ReadonlyArray<unknown>) => {
        const result = (member as (...args: ReadonlyArray<unknown>) => unknown)(...args)
        return Effect.isEffect(result) ? guard(result) : result
      }
      : member
  }
  return guarded as S
}
