/**
 * One server process per SQLite file (issue 25): a second `node dist/Server/main.js` on a store in
 * use refuses to start with one line naming the file, the pid and PostgreSQL; once the first has
 * stopped (or died, leaving a stale lock) the store opens again.
 */
import { describe, expect, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { startServerProcess } from "../support/ServerProcess.js"

describe("one server process per SQLite file", () => {
  it("the second process refuses with one line; after the first stops, or dies, the store opens again", async () => {
    const state = mkdtempSync(join(tmpdir(), "rampart-lock-"))
    const database = join(state, "r.db")
    const env = { RAMPART_STATE_DIR: state, RAMPART_DATABASE_URL: `sqlite:${database}` }
    const first = await startServerProcess(env)
    let second: Awaited<ReturnType<typeof startServerProcess>> | undefined
    try {
      const refused = await startServerProcess(env).then(
        (server) => {
          second = server
          return ""
        },
        (error: Error) => error.message
      )
      const line = refused.split("\n").find((text) => text.includes("in use by another Rampart process")) ?? refused
      expect(line).toContain(`the SQLite store ${database} is in use by another Rampart process (pid `)
      expect(line).toContain("use PostgreSQL for several instances")
      expect(existsSync(`${database}.lock`)).toBe(true)
    } finally {
      await second?.stop()
      expect(await first.stop()).toBe(0)
    }
    expect(existsSync(`${database}.lock`)).toBe(false)
    // A lock left by a process that is gone (its pid no longer runs) is taken over.
    const gone = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" })
    writeFileSync(`${database}.lock`, `${gone.stdout}\n`)
    const again = await startServerProcess(env)
    expect(await again.stop()).toBe(0)
  }, 60_000)
})
