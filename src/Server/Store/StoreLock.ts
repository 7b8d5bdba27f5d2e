/**
 * One server process per SQLite file: better-sqlite3 waits for a lock synchronously, on the event
 * loop, so two processes writing one file stall each other and answer `database is locked`.
 * `<file>.lock` holds the pid of the process using the store; a second process refuses to start
 * with one line, while the same process may open the store again (in-process servers, tests). A
 * lock whose process is gone (killed, crashed) is taken over. PostgreSQL is the way to run several
 * instances.
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { readFileSync, unlinkSync, writeFileSync } from "node:fs"

/** Another process uses the SQLite store; the message names the file, the pid and the way out. */
export class StoreInUseError extends Data.TaggedError("StoreInUseError")<{ readonly message: string }> {}

/** Whether a process with this pid runs (signal 0 only checks). */
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

/** Takes `<filename>.lock` for this process, or says who holds it; false when this process already held it. */
const take = (lockFile: string, filename: string): Effect.Effect<boolean, StoreInUseError> =>
  Effect.suspend(() => {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        writeFileSync(lockFile, `${process.pid}\n`, { flag: "wx", mode: 0o600 })
        return Effect.succeed(true)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") return Effect.succeed(false) // unwritable directory: no lock
      }
      const holder = Number.parseInt(readFileSync(lockFile, "utf8").trim(), 10)
      if (holder === process.pid) return Effect.succeed(false)
      if (Number.isSafeInteger(holder) && holder > 0 && alive(holder)) {
        return Effect.fail(
          new StoreInUseError({
            message:
              `the SQLite store ${filename} is in use by another Rampart process (pid ${holder}); use PostgreSQL for several instances`
          })
        )
      }
      try {
        unlinkSync(lockFile) // a stale lock: its process is gone
      } catch {
        // Another starting process removed it first: try again.
      }
    }
    return Effect.fail(
      new StoreInUseError({ message: `the SQLite store ${filename} is being opened by another process` })
    )
  })

/** Holds `<filename>.lock` while the layer's scope is open. */
export const layerStoreLock = (filename: string): Layer.Layer<never, StoreInUseError> =>
  Layer.scopedDiscard(
    Effect.acquireRelease(
      take(`${filename}.lock`, filename),
      (owned) =>
        owned
          ? Effect.sync(() => {
            try {
              unlinkSync(`${filename}.lock`)
            } catch {
              // Already gone.
            }
          })
          : Effect.void
    )
  )
