/** `npm run demo` walks both seeds' flows against a real server and exits 0. */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { execFile } from "node:child_process"
import { promisify } from "node:util"
import { type RunningServer, startServer } from "../support/Server.js"
import { freshSqliteUrl } from "../support/Stores.js"

describe("npm run demo", () => {
  let server: RunningServer
  beforeAll(async () => {
    server = await startServer(freshSqliteUrl())
  })
  afterAll(() => server.close())

  it("passes against the sandbox", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "scripts/demo.ts"], {
      env: { ...process.env, RAMPART_URL: server.url },
      timeout: 90_000
    })
    expect(stdout).toContain("refused as expected: AttemptsExhausted")
    expect(stdout).toContain("demo complete")
  }, 120_000)
})
