/**
 * Group commit (src/Server/Store/GroupCommit.ts) over a real better-sqlite3 file: the writes of one
 * turn of the event loop share one transaction, each caller gets its own row's id only once that
 * transaction has committed (another connection sees the row), a row that fails fails only its
 * own caller, the batch waits while a transaction holds the connection's semaphore, and a batch
 * whose COMMIT fails is written again row by row (the failing COMMIT is injected at the driver
 * port; the full-disk test makes the store itself fail).
 */
import { SqlError } from "@effect/sql/SqlError"
import { describe, expect, it } from "@effect/vitest"
import Sqlite from "better-sqlite3"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { groupCommit, type GroupCommitConnection } from "../../src/Server/Store/GroupCommit.js"

const insert = "INSERT INTO t (name) VALUES (?)"

/** A fresh file with `t (name TEXT NOT NULL)`, its connection, a second reader and the statements the batch ran. */
const fresh = Effect.acquireRelease(
  Effect.sync(() => {
    const directory = mkdtempSync(join(tmpdir(), "rampart-group-commit-"))
    const db = new Sqlite(join(directory, "store.db"))
    db.pragma("journal_mode = WAL")
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
    const reader = new Sqlite(join(directory, "store.db"), { readonly: true })
    const ran: Array<string> = []
    const semaphore = Effect.unsafeMakeSemaphore(1)
    const connection: GroupCommitConnection = {
      semaphore,
      now: (statement) => {
        ran.push(statement)
        db.prepare(statement).run()
      },
      run: (sql, params) => {
        ran.push("write")
        return db.prepare(sql).run(...params)
      },
      inTransaction: () => db.inTransaction
    }
    const names = () =>
      (reader.prepare("SELECT name FROM t ORDER BY id").all() as Array<{ name: string }>).map((r) => r.name)
    return { db, reader, directory, connection, semaphore, ran, names }
  }),
  ({ db, directory, reader }) =>
    Effect.sync(() => {
      reader.close()
      db.close()
      rmSync(directory, { recursive: true, force: true })
    })
)

describe("GroupCommit", () => {
  it.scoped("the writes of one turn share one transaction; each caller gets its own id once committed", () =>
    Effect.gen(function*() {
      const { connection, names, ran } = yield* fresh
      const write = groupCommit(connection)
      const results = yield* Effect.all(["a", "b", "c"].map((name) => write(insert, [name])), {
        concurrency: "unbounded"
      })
      expect(results.map((r) => Number(r.lastInsertRowid))).toEqual([1, 2, 3])
      expect(ran).toEqual(["BEGIN", "write", "write", "write", "COMMIT"])
      // Committed before any caller went on: another connection sees every row.
      expect(names()).toEqual(["a", "b", "c"])
      // A write alone is its own statement, no transaction around it.
      ran.length = 0
      expect(Number((yield* write(insert, ["d"])).lastInsertRowid)).toBe(4)
      expect(ran).toEqual(["write"])
    }))

  it.scoped("a row that fails fails only its own caller; the others are stored", () =>
    Effect.gen(function*() {
      const { connection, names } = yield* fresh
      const write = groupCommit(connection)
      const results = yield* Effect.all(
        [write(insert, ["a"]), write(insert, [null]), write(insert, ["c"])].map(Effect.exit),
        { concurrency: "unbounded" }
      )
      expect(results.map(Exit.isSuccess)).toEqual([true, false, true])
      const failure = results[1]!
      expect(Exit.isFailure(failure) && failure.cause._tag === "Fail" && failure.cause.error).toBeInstanceOf(SqlError)
      expect(names()).toEqual(["a", "c"])
    }))

  it.scopedLive("while a transaction holds the connection the batch waits, and lands after it", () =>
    Effect.gen(function*() {
      const { connection, names, semaphore } = yield* fresh
      const write = groupCommit(connection)
      yield* semaphore.take(1)
      const waiting = yield* Effect.fork(Effect.all([write(insert, ["x"]), write(insert, ["y"])], { concurrency: 2 }))
      yield* Effect.sleep("30 millis")
      expect(waiting.unsafePoll()).toBeNull()
      expect(names()).toEqual([])
      yield* semaphore.release(1)
      yield* Fiber.join(waiting)
      expect(names()).toEqual(["x", "y"])
    }))

  it.scoped("a batch whose COMMIT fails is rolled back and written row by row", () =>
    Effect.gen(function*() {
      const { connection, names, ran } = yield* fresh
      let failCommit = true
      const write = groupCommit({
        ...connection,
        now: (statement) => {
          if (statement === "COMMIT" && failCommit) {
            failCommit = false
            ran.push("COMMIT failed")
            throw new Error("injected: disk I/O error")
          }
          connection.now(statement)
        }
      })
      const results = yield* Effect.all([write(insert, ["a"]), write(insert, ["b"])], { concurrency: 2 })
      expect(results.map((r) => Number(r.lastInsertRowid))).toEqual([1, 2])
      expect(ran).toEqual(["BEGIN", "write", "write", "COMMIT failed", "ROLLBACK", "write", "write"])
      expect(names()).toEqual(["a", "b"])
    }))

  it.scoped("when the failed batch cannot be rolled back, every caller of it gets the failure", () =>
    Effect.gen(function*() {
      const { connection, db, names } = yield* fresh
      const write = groupCommit({
        ...connection,
        now: (statement) => {
          if (statement === "COMMIT" || statement === "ROLLBACK") throw new Error(`injected: ${statement} failed`)
          connection.now(statement)
        }
      })
      const results = yield* Effect.all([write(insert, ["a"]), write(insert, ["b"])].map(Effect.exit), {
        concurrency: 2
      })
      expect(results.map(Exit.isFailure)).toEqual([true, true])
      db.prepare("ROLLBACK").run()
      expect(names()).toEqual([])
    }))
})
