/**
 * Rampart's SQLite `SqlClient` (src/Server/Store/SqliteStore.ts) on a real file: statements
 * outside a transaction skip the connection's semaphore, so these check that one issued by
 * another fiber while a transaction is open never runs inside it (it would be committed or rolled
 * back with it), that transactions still exclude each other, and that store failures stay typed.
 * Each runs twice: with the tracer on (every statement and transaction takes `@effect/sql`'s path,
 * with its span) and off (statements run at once, src/Server/Store/AtOnceStatement.ts, and an
 * outermost transaction on a free connection starts at once, AtOnceTransaction.ts), plus what is
 * particular to running at once: inside the client's own transaction, fragments, reused texts.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { SqlError } from "@effect/sql/SqlError"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { layer } from "../../src/Server/Store/SqliteStore.js"

/** A client over a fresh SQLite file with one table `t (name TEXT)`; the file is removed afterwards. */
const layerFreshStore = Layer.unwrapScoped(
  Effect.gen(function*() {
    const directory = yield* Effect.acquireRelease(
      Effect.sync(() => mkdtempSync(join(tmpdir(), "rampart-sqlite-store-"))),
      (path) => Effect.sync(() => rmSync(path, { recursive: true, force: true }))
    )
    return Layer.tap(
      layer(join(directory, "store.db")),
      (context) =>
        Effect.orDie(SqlClient.SqlClient.pipe(
          Effect.flatMap((sql) => sql`CREATE TABLE t (name TEXT NOT NULL)`),
          Effect.provide(context)
        ))
    )
  })
)

const names = Effect.flatMap(
  SqlClient.SqlClient,
  (sql) =>
    Effect.map(sql<{ readonly name: string }>`SELECT name FROM t ORDER BY rowid`, (rows) => rows.map((row) => row.name))
)
const insert = (name: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql`INSERT INTO t (name) VALUES (${name})`)

/**
 * Forks a transaction that inserts `first`, then holds the connection until `release` is called,
 * then runs `rest` (whose failure rolls it back); resolves once the transaction is open.
 */
const holdTransaction = <E>(first: string, rest: Effect.Effect<unknown, E, SqlClient.SqlClient>) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const inside = yield* Deferred.make<void>()
    const released = yield* Deferred.make<void>()
    const transaction = yield* Effect.fork(
      sql.withTransaction(
        Effect.gen(function*() {
          yield* insert(first)
          yield* Deferred.succeed(inside, undefined)
          yield* Deferred.await(released)
          yield* rest
        })
      )
    )
    yield* Deferred.await(inside)
    return { transaction, release: Deferred.succeed(released, undefined) }
  })

describe.each(
  [
    ["the usual statement path (tracer on)", true],
    ["statements run at once (tracer off)", false]
  ] as const
)("SqliteStore, %s", (_path, tracer) => {
  const on = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.withTracerEnabled(effect, tracer)

  it.live("a statement of another fiber waits while a transaction is open, so a rollback does not take it along", () =>
    Effect.gen(function*() {
      const { release, transaction } = yield* holdTransaction("rolled back", Effect.fail("abort" as const))
      const outside = yield* Effect.fork(insert("kept"))
      // The plain insert is parked behind the transaction, not run inside it.
      yield* Effect.sleep("50 millis")
      expect(outside.unsafePoll()).toBeNull()
      yield* release
      expect(Exit.isFailure(yield* Fiber.await(transaction))).toBe(true)
      yield* Fiber.join(outside)
      expect(yield* names).toEqual(["kept"])
    }).pipe(on, Effect.provide(layerFreshStore), Effect.orDie))

  it.live("a statement of another fiber during a committed transaction lands after it, outside it", () =>
    Effect.gen(function*() {
      const { release, transaction } = yield* holdTransaction("first", insert("second"))
      const outside = yield* Effect.fork(insert("after"))
      yield* Effect.sleep("20 millis")
      yield* release
      yield* Fiber.join(transaction)
      yield* Fiber.join(outside)
      expect(yield* names).toEqual(["first", "second", "after"])
    }).pipe(on, Effect.provide(layerFreshStore), Effect.orDie))

  it.live("transactions of concurrent fibers do not interleave", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const writer = (tag: string) =>
        sql.withTransaction(Effect.gen(function*() {
          for (let i = 0; i < 3; i++) {
            yield* insert(`${tag}${i}`)
            yield* Effect.yieldNow()
          }
        }))
      yield* Effect.all([writer("a"), writer("b"), writer("c")], { concurrency: "unbounded" })
      const rows = yield* names
      expect(rows).toHaveLength(9)
      // Each transaction's three rows are contiguous.
      for (let i = 0; i < 9; i += 3) expect(new Set(rows.slice(i, i + 3).map((name) => name[0])).size).toBe(1)
    }).pipe(on, Effect.provide(layerFreshStore), Effect.orDie))

  it.live("a failing statement is a typed SqlError and the connection goes on", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const failed = yield* Effect.flip(sql`INSERT INTO missing_table (x) VALUES (1)`)
      expect(failed).toBeInstanceOf(SqlError)
      const constraint = yield* Effect.flip(sql`INSERT INTO t (name) VALUES (${null})`)
      expect(constraint).toBeInstanceOf(SqlError)
      // Many distinct statements (more than the prepared-statement map keeps) still run.
      for (let i = 0; i < 600; i++) yield* sql.unsafe(`SELECT ${i} AS n`)
      yield* insert("ok")
      expect(yield* names).toEqual(["ok"])
    }).pipe(on, Effect.provide(layerFreshStore), Effect.orDie))

  it.live("inside the client's own transaction a statement runs in it: a rollback takes it along", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const failed = yield* Effect.exit(sql.withTransaction(
        Effect.zipRight(Effect.zipRight(insert("inside"), sql.withTransaction(insert("nested"))), Effect.fail("abort"))
      ))
      expect(Exit.isFailure(failed)).toBe(true)
      yield* sql.withTransaction(Effect.zipRight(insert("committed"), sql.withTransaction(insert("nested"))))
      expect(yield* names).toEqual(["committed", "nested"])
    }).pipe(on, Effect.provide(layerFreshStore), Effect.orDie))

  it.live("a defect or an interruption rolls a transaction back; a failed nested one only its savepoint", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const died = yield* Effect.exit(sql.withTransaction(Effect.zipRight(insert("defect"), Effect.die("boom"))))
      expect(Exit.isFailure(died) && Cause.isDie(died.cause)).toBe(true)
      const started = yield* Deferred.make<void>()
      const interrupted = yield* Effect.fork(
        sql.withTransaction(
          Effect.zipRight(insert("interrupted"), Effect.zipRight(Deferred.succeed(started, undefined), Effect.never))
        )
      )
      yield* Deferred.await(started)
      yield* Fiber.interrupt(interrupted)
      yield* sql.withTransaction(Effect.gen(function*() {
        yield* insert("outer")
        yield* Effect.exit(sql.withTransaction(Effect.zipRight(insert("savepoint"), Effect.fail("abort"))))
        yield* insert("after")
      }))
      expect(yield* names).toEqual(["outer", "after"])
      // The connection is free again: a statement of another fiber runs.
      yield* Fiber.join(yield* Effect.fork(insert("free")))
      expect(yield* names).toEqual(["outer", "after", "free"])
    }).pipe(on, Effect.provide(layerFreshStore), Effect.orDie))

  it.live("fragments, helpers and one template with changing values compile as @effect/sql compiles them", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      for (const name of ["a", "b", "c"]) yield* insert(name)
      const byName = (name: string) => sql<{ readonly name: string }>`SELECT name FROM t WHERE name = ${name}`
      expect(yield* byName("b")).toEqual([{ name: "b" }])
      expect(yield* byName("c")).toEqual([{ name: "c" }])
      const where = sql`WHERE ${sql.in("name", ["a", "c"])}`
      expect(yield* sql<{ readonly name: string }>`SELECT name FROM t ${where} ORDER BY name`).toEqual([
        { name: "a" },
        { name: "c" }
      ])
      expect(yield* sql<{ readonly n: number }>`SELECT COUNT(*) AS n FROM ${sql("t")}`).toEqual([{ n: 3 }])
      const [text, params] = byName("x").compile()
      expect(text).toBe("SELECT name FROM t WHERE name = ?")
      expect(params).toEqual(["x"])
    }).pipe(on, Effect.provide(layerFreshStore), Effect.orDie))
})
