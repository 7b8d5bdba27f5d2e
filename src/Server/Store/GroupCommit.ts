/**
 * Group commit on Rampart's SQLite client: the writes issued outside any transaction during one
 * turn of the event loop (the audit rows of concurrent refreshes, refusals) are committed together,
 * in one transaction at the end of that turn, and each caller resumes with its own result only once
 * that transaction has committed, or with the store's failure: nothing is answered before it is
 * stored, and nothing is moved off the caller's path. On SQLite the commit is most of a small
 * write's cost (one audit row alone ~11 µs, ~2.5 µs a row for 16 in one transaction;
 * docs/benchmarks.md, "Group commit").
 *
 * The batch takes the connection's semaphore as a transaction does, so while another fiber's
 * transaction holds the connection it waits its turn. A batch whose transaction fails is written
 * again row by row, each in its own statement, so one row's failure fails only its own caller; if
 * the failed transaction cannot even be rolled back, every caller of the batch gets the failure.
 */
import type { SqlError } from "@effect/sql/SqlError"
import * as Effect from "effect/Effect"
import type { TransactionStatement } from "./AtOnceTransaction.js"
import { storeFailure } from "./StoreFailure.js"

/** The result of one write (better-sqlite3's `RunResult`). */
export interface WriteResult {
  readonly lastInsertRowid: number | bigint
}

/** What a group commit needs of its connection; each function throws the driver's error. */
export interface GroupCommitConnection {
  /** The connection's semaphore (one permit), as its transactions take it. */
  readonly semaphore: Effect.Semaphore
  /** Runs `BEGIN`, `COMMIT` or `ROLLBACK` now. */
  readonly now: (statement: TransactionStatement) => void
  /** Runs one prepared write now. */
  readonly run: (sql: string, params: ReadonlyArray<unknown>) => WriteResult
  /** Whether the connection is inside a transaction. */
  readonly inTransaction: () => boolean
}

/** A write committed with the others of its turn: its result once committed. */
export type GroupedWrite = (sql: string, params: ReadonlyArray<unknown>) => Effect.Effect<WriteResult, SqlError>

interface Waiting {
  readonly sql: string
  readonly params: ReadonlyArray<unknown>
  readonly resume: (result: Effect.Effect<WriteResult, SqlError>) => void
}

/** The grouped writes of `connection`. */
export const groupCommit = (connection: GroupCommitConnection): GroupedWrite => {
  let waiting: Array<Waiting> = []

  /** Writes `batch` in one transaction (or each alone): what each caller gets. */
  const outcomes = (batch: ReadonlyArray<Waiting>): Array<Effect.Effect<WriteResult, SqlError>> => {
    if (batch.length > 1) {
      try {
        connection.now("BEGIN")
        const results = batch.map((w) => connection.run(w.sql, w.params))
        connection.now("COMMIT")
        return results.map((result) => Effect.succeed(result))
      } catch (cause) {
        try {
          if (connection.inTransaction()) connection.now("ROLLBACK")
        } catch {
          // Judged just below: the connection is still inside the failed transaction.
        }
        if (connection.inTransaction()) return batch.map(() => Effect.fail(storeFailure(cause)))
      }
    }
    return batch.map((w) => {
      try {
        return Effect.succeed(connection.run(w.sql, w.params))
      } catch (cause) {
        return Effect.fail(storeFailure(cause))
      }
    })
  }

  /** Writes `batch`, then resumes every caller (with a defect, should the writing itself throw). */
  const write = (batch: ReadonlyArray<Waiting>): void => {
    let results: ReadonlyArray<Effect.Effect<WriteResult, SqlError>>
    try {
      results = outcomes(batch)
    } catch (defect) {
      results = batch.map(() => Effect.die(defect))
    }
    batch.forEach((w, i) => w.resume(results[i]!))
  }

  /** Writes what this turn gathered, once the connection is free (at once when it is). */
  const flush = (): void => {
    const batch = waiting
    waiting = []
    Effect.runFork(connection.semaphore.withPermits(1)(Effect.sync(() => write(batch))))
  }

  return (sql, params) =>
    Effect.async<WriteResult, SqlError>((resume) => {
      waiting.push({ sql, params, resume })
      if (waiting.length === 1) setImmediate(flush)
    })
}
