/**
 * The disk fills up under load, probed from outside (issue 25): a server process with its SQLite
 * store on a small tmpfs, logins and refreshes running while a filler file takes the last byte.
 * Requests are answered 200 or 503 (never 500), `/health` says 503, every login that answered 200
 * has its `login.succeeded` row and every refresh its `refresh.succeeded` row (nothing committed
 * without its event), the file passes SQLite's integrity check, and once space is freed everything
 * works again. Skipped, with the reason, where the machine cannot mount a tmpfs (not root).
 */
import Sqlite from "better-sqlite3"
import { execFileSync } from "node:child_process"
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { call } from "../support/Http.js"
import { runLoad } from "../support/Load.js"
import { startServerProcess } from "../support/ServerProcess.js"

const password = "correct horse battery"
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Mounts a tmpfs of `megabytes` at a new directory; its path, or why it could not. */
const mountTmpfs = (megabytes: number): { path: string } | { reason: string } => {
  if (process.getuid?.() !== 0) return { reason: "mounting a tmpfs needs root" }
  const path = mkdtempSync(join(tmpdir(), "rampart-full-"))
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${megabytes}m`, "tmpfs", path], { stdio: "ignore" })
    return { path }
  } catch (error) {
    rmSync(path, { recursive: true, force: true })
    return { reason: `this machine cannot mount a tmpfs (${(error as Error).message.split("\n")[0]})` }
  }
}

/** Writes zeros to `file` until the file system is full. */
const fillUp = (file: string) => {
  const fd = openSync(file, "w")
  const chunk = Buffer.alloc(64 * 1024)
  try {
    for (;;) writeSync(fd, chunk)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error
    // The last bytes, in smaller pieces.
    for (let size = 32 * 1024; size >= 512; size /= 2) {
      try {
        for (;;) writeSync(fd, chunk.subarray(0, size))
      } catch {
        // next size
      }
    }
  } finally {
    closeSync(fd)
  }
}

describe("a full disk under load (SQLite on a small tmpfs)", () => {
  it("200 or 503, never 500; /health 503; no change without its event; integrity ok; recovery", async (context) => {
    const mounted = mountTmpfs(16)
    if ("reason" in mounted) {
      console.log(`skipped: ${mounted.reason}`)
      return context.skip()
    }
    const state = join(mounted.path, "state")
    mkdirSync(state)
    const database = join(state, "r.db")
    const server = await startServerProcess({ RAMPART_STATE_DIR: state, RAMPART_DATABASE_URL: `sqlite:${database}` })
    try {
      const email = "full@example.com"
      await call(server.url, "POST", "/sandbox/users", { body: { email, password } })
      const { refreshToken } = (await call(server.url, "POST", "/auth/login", { body: { email, password } })).body

      let mode: "fill" | "full" | "done" = "fill"
      const refreshes = runLoad(
        server.url,
        8,
        () => ({ method: "POST", path: "/auth/login/refresh", body: { refreshToken } }),
        () => mode === "done"
      )
      const logins = runLoad(
        server.url,
        2,
        () => ({ method: "POST", path: "/auth/login", body: { email, password } }),
        () => mode === "done"
      )
      await sleep(300)
      fillUp(join(mounted.path, "filler"))
      mode = "full"
      await sleep(2_000)
      const health = await fetch(`${server.url}/health`)
      const healthBody = await health.json()
      mode = "done"
      const [refreshed, loggedIn] = await Promise.all([refreshes, logins])
      console.log(
        `full disk: refreshes ${JSON.stringify([...refreshed.statuses])}, logins ${
          JSON.stringify([...loggedIn.statuses])
        }, ` +
          `/health ${health.status}`
      )

      expect(health.status).toBe(503)
      expect(healthBody).toMatchObject({ _tag: "HealthUnavailable", status: "unavailable" })
      for (const seen of [refreshed, loggedIn]) {
        expect([...seen.statuses.keys()].filter((status) => status !== 200 && status !== 503)).toEqual([])
        expect([...seen.errors.keys()]).toEqual([])
      }
      expect((refreshed.statuses.get(503) ?? 0) + (loggedIn.statuses.get(503) ?? 0)).toBeGreaterThan(0)

      unlinkSync(join(mounted.path, "filler"))
      await sleep(200)
      expect((await fetch(`${server.url}/health`)).status).toBe(200)
      expect((await call(server.url, "POST", "/auth/login", { body: { email, password } })).status).toBe(200)
      expect(await server.stop()).toBe(0)

      const db = new Sqlite(database, { readonly: true })
      try {
        expect(db.pragma("integrity_check", { simple: true })).toBe("ok")
        const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n
        const tokens = count("SELECT count(*) AS n FROM rampart_refresh_tokens")
        const loginEvents = count("SELECT count(*) AS n FROM rampart_security_events WHERE type = 'login.succeeded'")
        const refreshEvents = count(
          "SELECT count(*) AS n FROM rampart_security_events WHERE type = 'refresh.succeeded'"
        )
        // The first login, those of the load that answered 200, and the one after the space came back.
        expect(tokens).toBe(1 + (loggedIn.statuses.get(200) ?? 0) + 1)
        expect(loginEvents).toBe(tokens)
        expect(refreshEvents).toBe(refreshed.statuses.get(200) ?? 0)
        console.log(
          `after: ${tokens} refresh tokens, ${loginEvents} login.succeeded, ${refreshEvents} refresh.succeeded`
        )
      } finally {
        db.close()
      }
    } finally {
      await server.stop()
      execFileSync("umount", ["-l", mounted.path])
      rmSync(mounted.path, { recursive: true, force: true })
    }
  }, 60_000)
})
