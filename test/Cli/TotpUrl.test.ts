/**
 * `rampart totp SECRET --url URL`: the code for a sandbox's current time (`GET /sandbox/clock`),
 * compared with `oathtool --totp -b SECRET -N @<sandbox now>` after the sandbox jumped 3 hours,
 * and its one-line errors: `--now` with `--url`, a bad URL, a server that cannot be reached, a
 * production server (404).
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import { existsSync } from "node:fs"
import { runBinary, runInProcess } from "../support/Cli.js"
import { call } from "../support/Http.js"
import { freePort } from "../support/Ports.js"
import { type RunningServer, startProductionServer, startServer } from "../support/Server.js"
import { freshSqliteUrl } from "../support/Stores.js"

const SECRET = "JBSWY3DPEHPK3PXP"
const hasOathtool = existsSync("/usr/bin/oathtool")

/** oathtool's code for `SECRET` at Unix second `seconds`. */
const oathtool = (seconds: number) =>
  execFileSync("oathtool", ["--totp", "-b", SECRET, "-N", `@${seconds}`], { encoding: "utf8" }).trim()

/** The 30 s step of a time in milliseconds. */
const stepOf = (millis: number) => Math.floor(millis / 30_000)

describe.skipIf(!hasOathtool)("rampart totp --url", () => {
  let server: RunningServer
  beforeAll(async () => {
    server = await startServer(freshSqliteUrl())
    // 3 hours and 15 s: sandbox and wall time are 360.5 steps apart, so their codes differ.
    expect((await call(server.url, "POST", "/sandbox/clock", { body: { advanceSeconds: 3 * 3600 + 15 } })).status).toBe(
      200
    )
  })
  afterAll(() => server.close())

  /** Sandbox now in milliseconds, read over HTTP. */
  const sandboxNow = async () => Date.parse((await call(server.url, "GET", "/sandbox/clock")).body.now)

  it("prints oathtool's code for sandbox time, not wall time's", async () => {
    // Read sandbox time around the run; a step boundary in between makes the expectation ambiguous: retry.
    for (let attempt = 0;; attempt++) {
      const before = await sandboxNow()
      const wall = Date.now()
      const run = await runInProcess(["totp", SECRET, "--url", server.url])
      const after = await sandboxNow()
      if (stepOf(before) !== stepOf(after) && attempt < 3) continue
      expect(run).toEqual({ ok: true, stdout: [oathtool(Math.floor(after / 1000))], stderr: [] })
      expect(run.stdout[0]).not.toBe(oathtool(Math.floor(wall / 1000)))
      return
    }
  })

  it("the real executable prints the code and a newline", async () => {
    for (let attempt = 0;; attempt++) {
      const before = await sandboxNow()
      const run = await runBinary(["totp", SECRET, "--url", server.url])
      const after = await sandboxNow()
      if (stepOf(before) !== stepOf(after) && attempt < 3) continue
      expect(run).toEqual({ status: 0, stdout: `${oathtool(Math.floor(after / 1000))}\n`, stderr: "" })
      return
    }
  }, 60_000)

  it("--now with --url, a bad URL and an unreachable server: one line naming the problem", async () => {
    const both = await runInProcess(["totp", SECRET, "--url", server.url, "--now", "@0"])
    expect(both).toEqual({
      ok: false,
      stdout: [],
      stderr: ["rampart: --now and --url cannot be used together: --url takes the time from the sandbox"]
    })
    const bad = await runInProcess(["totp", SECRET, "--url", "127.0.0.1:8080"])
    expect(bad.ok).toBe(false)
    expect(bad.stderr).toEqual([
      `rampart: --url "127.0.0.1:8080": expected an http(s) URL such as http://127.0.0.1:8080`
    ])
    const closed = `http://127.0.0.1:${await freePort()}`
    const unreachable = await runInProcess(["totp", SECRET, "--url", closed])
    expect(unreachable.ok).toBe(false)
    expect(unreachable.stdout).toEqual([])
    expect(unreachable.stderr).toHaveLength(1)
    expect(unreachable.stderr[0]).toMatch(
      new RegExp(`^rampart: cannot reach ${closed.replaceAll(".", "\\.")}: .*ECONNREFUSED`)
    )
  })
})

describe("rampart totp --url against a production server", () => {
  let server: RunningServer
  beforeAll(async () => {
    server = await startProductionServer()
  })
  afterAll(() => server.close())

  it("one line: the URL has no sandbox clock", async () => {
    const run = await runInProcess(["totp", SECRET, "--url", server.url])
    expect(run).toEqual({
      ok: false,
      stdout: [],
      stderr: [
        `rampart: ${server.url}: GET /sandbox/clock answered 404 (no sandbox clock: is the server in production mode?)`
      ]
    })
  })
})
