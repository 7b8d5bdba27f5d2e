/**
 * The SQLite store's `SqlClient`: `@effect/sql`'s client (statements, compiler, transactions) over
 * one better-sqlite3 connection, in WAL mode, as `@effect/sql-sqlite-node` builds it, with two
 * per-statement costs taken away (measured in docs/benchmarks.md, "The refresh path"):
 * - prepared statements are kept in a plain `Map` by SQL text (bounded), not an Effect `Cache`
 *   looked up through a fiber per statement;
 * - a statement outside a transaction does not take the connection's semaphore: better-sqlite3
 *   runs it synchronously, so it cannot interleave with anything, and it only has to wait (and
 *   then takes the semaphore) while another fiber's transaction holds the connection, which it
 *   checks in the same synchronous step that runs it.
 * Transactions hold the semaphore from `BEGIN` to `COMMIT`/`ROLLBACK`, as before. And its
 * template statements run at once, synchronously on the connection, instead of through
 * `@effect/sql`'s per-statement span, scope and connection acquisition (AtOnceStatement.ts); an
 * outermost transaction on a free connection starts at once (AtOnceTransaction.ts); and the rows
 * written outside a transaction on the refresh path commit together once per turn of the event
 * loop (GroupCommit.ts, offered through RawRun.ts).
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import * as SqlClient from "@effect/sql/SqlClient"
import type * as SqlConnection from "@effect/sql/SqlConnection"
import { SqlError } from "@effect/sql/SqlError"
import * as Statement from "@effect/sql/Statement"
import Sqlite from "better-sqlite3"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { atOnceClient } from "./AtOnceStatement.js"
import { atOnceTransactions, type TransactionStatement } from "./AtOnceTransaction.js"
import { groupCommit } from "./GroupCommit.js"
import { type RawStatements, withRawStatements } from "./RawRun.js"
import { storeFailure } from "./StoreFailure.js"

/** How many prepared statements are kept (the server has a few dozen distinct ones). */
const PREPARED_STATEMENTS = 500

/** Runs a prepared statement: rows for a reader, the run result (`raw`) or no rows otherwise. */
const runPrepared = (statement: Sqlite.Statement, params: ReadonlyArray<unknown>, raw: boolean): unknown =>
  statement.reader ? statement.all(...params) : raw ? statement.run(...params) : (statement.run(...params), [])

/** How the SQLite client waits. */
export interface SqliteStoreOptions {
  /** How long a statement waits (blocking) for a lock another program holds, in ms; better-sqlite3's 5000 by default. */
  readonly busyTimeoutMs?: number | undefined
}

/** The client of a SQLite file (created if missing). */
const make = (filename: string, options: SqliteStoreOptions) =>
  Effect.gen(function*() {
    const db = yield* Effect.try({
      try: () => new Sqlite(filename, options.busyTimeoutMs === undefined ? {} : { timeout: options.busyTimeoutMs }),
      catch: (cause) => new SqlError({ cause, message: `Failed to open the SQLite file ${filename}` })
    })
    yield* Effect.addFinalizer(() => Effect.sync(() => db.close()))
    db.pragma("journal_mode = WAL")

    const prepared = new Map<string, Sqlite.Statement>()
    const prepare = (sql: string): Sqlite.Statement => {
      let statement = prepared.get(sql)
      if (statement === undefined) {
        if (prepared.size >= PREPARED_STATEMENTS) prepared.delete(prepared.keys().next().value!)
        statement = db.prepare(sql)
        prepared.set(sql, statement)
      }
      return statement
    }
    /** Runs `work` now, a store failure as a `SqlError`. */
    const attempt = <A>(work: () => A): Effect.Effect<A, SqlError> => {
      try {
        return Effect.succeed(work())
      } catch (cause) {
        return Effect.fail(storeFailure(cause))
      }
    }

    const semaphore = yield* Effect.makeSemaphore(1)
    /** Whether a transaction holds the connection (between taking the semaphore and releasing it). */
    const held = { value: false }
    /** Runs `BEGIN`, `COMMIT` or `ROLLBACK` now, prepared like any other statement. */
    const transactionStatement = (statement: TransactionStatement): void => {
      try {
        prepare(statement).run()
      } catch (error) {
        // A COMMIT that fails (a full disk) leaves SQLite's transaction open: end it, or the
        // connection would refuse every later BEGIN.
        if (statement === "COMMIT" && db.inTransaction) prepare("ROLLBACK").run()
        throw error
      }
    }

    const connection = (exclusive: boolean): SqlConnection.Connection => {
      /** `work` now when nothing else can be running on the connection, else once the transaction is over. */
      const run = <A>(work: () => A): Effect.Effect<A, SqlError> =>
        Effect.suspend(() =>
          exclusive || !held.value ? attempt(work) : semaphore.withPermits(1)(Effect.suspend(() => attempt(work)))
        )
      /** The rows of `statement`, through `transformRows` when given. */
      const rows = (
        statement: () => Sqlite.Statement,
        params: ReadonlyArray<unknown>,
        transformRows: (<A extends object>(rows: ReadonlyArray<A>) => ReadonlyArray<A>) | undefined
      ) => {
        const effect = run(() => runPrepared(statement(), params, false) as ReadonlyArray<any>)
        return transformRows ? Effect.map(effect, transformRows) : effect
      }
      return {
        execute: (sql, params, transformRows) => rows(() => prepare(sql), params, transformRows),
        executeRaw: (sql, params) => run(() => runPrepared(prepare(sql), params, true)),
        executeValues: (sql, params) =>
          run(() => {
            const statement = prepare(sql)
            if (!statement.reader) return (statement.run(...params), [])
            try {
              return statement.raw(true).all(...params) as ReadonlyArray<ReadonlyArray<unknown>>
            } finally {
              statement.raw(false)
            }
          }),
        // `@effect/sql` runs BEGIN, COMMIT, ROLLBACK and savepoints unprepared; on SQLite their
        // prepared statements are kept like any other (a few fixed texts), not prepared each time.
        executeUnprepared: (sql, params, transformRows) =>
          sql === "COMMIT"
            ? run(() => (transactionStatement(sql), []))
            : rows(() => prepare(sql), params ?? [], transformRows),
        executeStream: () => Stream.dieMessage("executeStream not implemented")
      }
    }

    /** `work` now, a driver error thrown as a `SqlError`. */
    const now = <A>(work: () => A): A => {
      try {
        return work()
      } catch (cause) {
        throw storeFailure(cause)
      }
    }
    /**
     * Statements outside `@effect/sql`'s statement path (RawRun.ts), for the refresh path: a write
     * committed with the others of its turn (GroupCommit.ts), and a read run at once, `undefined`
     * when a transaction holds the connection (the caller then takes the usual path, which waits its turn).
     */
    const raw: RawStatements = {
      grouped: groupCommit({
        semaphore,
        now: transactionStatement,
        run: (sql, params) => prepare(sql).run(...params),
        inTransaction: () => db.inTransaction
      }),
      get: (sql, params) => held.value ? undefined : { row: now(() => prepare(sql).get(...params)) }
    }

    const plain = connection(false)
    const exclusive = connection(true)
    const transactionAcquirer = Effect.uninterruptibleMask((restore) =>
      Effect.zipRight(
        restore(semaphore.take(1)),
        Effect.flatMap(Effect.scope, (scope) => {
          held.value = true
          return Effect.as(
            Scope.addFinalizer(
              scope,
              Effect.zipRight(Effect.sync(() => (held.value = false)), semaphore.release(1))
            ),
            exclusive
          )
        })
      )
    )
    const client = yield* SqlClient.make({
      acquirer: Effect.succeed(plain),
      transactionAcquirer,
      compiler: Statement.makeCompilerSqlite(),
      spanAttributes: [["db.system.name", "sqlite"]]
    })
    /**
     * Every template statement runs at once (AtOnceStatement.ts) unless: the tracer is on (every
     * statement keeps its span), a statement transformer is set, another fiber's transaction holds
     * the connection (it waits its turn on the usual path), or it is inside a transaction of another
     * client. Inside this client's own transaction it runs in that transaction at once. The refresh's
     * two statements go further still through `RawRun` (the lookup prepared once and run with `get`,
     * the audit row through the group commit).
     */
    const atOnce = atOnceTransactions(client, { connection: exclusive, semaphore, held, now: transactionStatement })
    return atOnceClient(withRawStatements(atOnce, raw), (compile, fiber) => {
      if (
        fiber.getFiberRef(FiberRef.currentTracerEnabled) ||
        fiber.getFiberRef(Statement.currentTransformer)._tag === "Some"
      ) return undefined
      const holder = fiber.currentContext.unsafeMap.get(SqlClient.TransactionConnection.key) as
        | readonly [SqlConnection.Connection, number]
        | undefined
      if (holder === undefined ? held.value : holder[0] !== exclusive) return undefined
      const [sql, params] = compile()
      return attempt(() => runPrepared(prepare(sql), params, false) as ReadonlyArray<never>)
    })
  })

/** `SqlClient` over the SQLite file `filename`. */
export const layer = (filename: string, options: SqliteStoreOptions = {}): Layer.Layer<SqlClient.SqlClient, SqlError> =>
  Layer.scoped(SqlClient.SqlClient, make(filename, options)).pipe(Layer.provide(Reactivity.layer))
