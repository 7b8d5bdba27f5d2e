/**
 * The `rampart` executable end to end: `--version`, `--help`, `openapi`, `partner-login` against a
 * real server (in this process), `serve` with flags over the environment, and the one-line errors.
 * Commands that need no network run the real binary; a few error paths run in-process.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Either, Option, Redacted } from "effect"
import { spawn } from "node:child_process"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { totpAt } from "../../src/Totp.js"
import { type ProcessRun, rampartBin, runBinary, runInProcess } from "../support/Cli.js"
import { freePort } from "../support/Ports.js"
import { type RunningServer, startServer } from "../support/Server.js"
import { freshSqliteUrl } from "../support/Stores.js"

const packageVersion =
  (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version

/** Text without ANSI styling (@effect/cli colours its help). */
// eslint-disable-next-line no-control-regex -- ESC starts the sequence
const plain = (text: string) => text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, "")

const expectOneLineFailure = (run: ProcessRun, message: RegExp) => {
  expect(run.status, run.stderr).toBe(1)
  expect(run.stdout).toBe("")
  expect(run.stderr).toMatch(message)
  expect(run.stderr.endsWith("\n")).toBe(true)
  expect(run.stderr.trimEnd().split("\n")).toHaveLength(1)
}

describe("rampart", () => {
  it("--version prints the package version", async () => {
    expect(await runBinary(["--version"])).toEqual({ status: 0, stdout: `${packageVersion}\n`, stderr: "" })
  }, 60_000)

  it("totp --help documents the command and its options", async () => {
    const run = await runBinary(["totp", "--help"])
    expect(run.status).toBe(0)
    const help = plain(run.stdout)
    expect(help).toContain("oathtool --totp -b SECRET")
    for (
      const option of [
        "<SECRET>",
        "--now ISO-8601|@unix-seconds",
        "--digits N",
        "--period S",
        "--algorithm sha1 | sha256 | sha512"
      ]
    ) {
      expect(help).toContain(option)
    }
  }, 60_000)

  it("--help on every command (in-process)", async () => {
    for (
      const [command, text] of [
        [[], "partner-login"],
        [["serve"], "--database-url"],
        [["openapi"], "OpenAPI"],
        [["partner-login"], "RAMPART_TOTP_SECRET"],
        [["keys"], "--env"]
      ] as const
    ) {
      const run = await runInProcess([...command, "--help"], {})
      expect(run.ok, command.join(" ")).toBe(true)
      expect(plain(run.stdout.join("\n")), command.join(" ")).toContain(text)
    }
  })

  it("openapi prints the OpenAPI document of the contract", async () => {
    const run = await runBinary(["openapi"])
    expect(run.status).toBe(0)
    expect(run.stderr).toBe("")
    const document = JSON.parse(run.stdout) as { openapi: string; paths: Record<string, Record<string, unknown>> }
    expect(document.openapi).toMatch(/^3\./)
    expect(Object.keys(document.paths["/api/v1/partners/auth/login"] ?? {})).toContain("post")
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(["/auth/login", "/auth/otp/code", "/api/v1/partners/auth/logout"])
    )
  }, 60_000)

  it("an unknown command or no command: one line and exit code 1", async () => {
    expectOneLineFailure(await runBinary(["frobnicate"]), /^rampart: .*'serve', 'totp', 'openapi', 'partner-login'/)
    const none = await runInProcess([], {})
    expect(none).toEqual({
      ok: false,
      stdout: [],
      stderr: ["rampart: missing command: serve, totp, openapi, partner-login or keys (see rampart --help)"]
    })
  }, 60_000)
})

describe("rampart keys", () => {
  it("prints fresh keys that a production server accepts, as JSON and with --env", async () => {
    const json = await runInProcess(["keys"], {})
    expect(json.ok).toBe(true)
    const keys = JSON.parse(json.stdout.join("\n")) as { RAMPART_SECRET_KEY: string; RAMPART_SIGNING_KEY: string }
    expect(Object.keys(keys)).toEqual(["RAMPART_SECRET_KEY", "RAMPART_SIGNING_KEY"])
    const again = JSON.parse((await runInProcess(["keys"], {})).stdout.join("\n")) as typeof keys
    expect(again.RAMPART_SECRET_KEY).not.toBe(keys.RAMPART_SECRET_KEY)
    // The keys start a production server: the same variables as docs/server.md sets.
    const state = mkdtempSync(join(tmpdir(), "rampart-keys-"))
    const server = await startServer(`sqlite:${join(state, "r.db")}`, {
      mode: "production",
      stateDirectory: state,
      secretKey: Option.some(Redacted.make(keys.RAMPART_SECRET_KEY)),
      signingKey: Option.some(Redacted.make(keys.RAMPART_SIGNING_KEY)),
      otpWebhookUrl: Option.some("http://127.0.0.1:9/unused")
    })
    try {
      const jwks = (await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as { keys: Array<{ x: string }> }
      expect(jwks.keys[0]?.x).toBe((JSON.parse(keys.RAMPART_SIGNING_KEY) as { x: string }).x)
    } finally {
      await server.close()
    }
    const env = await runInProcess(["keys", "--env"], {})
    expect(env.stdout.join("\n")).toMatch(/^RAMPART_SECRET_KEY='[A-Za-z0-9+/]{43}='\nRAMPART_SIGNING_KEY='\{"[^']+\}'$/)
  })
})

describe("rampart partner-login", () => {
  let server: RunningServer
  let partner: { client_id: number; client_secret: string; totp_secret: string }
  const email = `cli${Date.now().toString(36)}@example.com`
  const password = "partner password 123"
  const envFor = (overrides: Record<string, string> = {}): Record<string, string> => ({
    RAMPART_URL: server.url,
    RAMPART_PARTNER_EMAIL: email,
    RAMPART_PARTNER_PASSWORD: password,
    RAMPART_CLIENT_ID: String(partner.client_id),
    RAMPART_CLIENT_SECRET: partner.client_secret,
    RAMPART_TOTP_SECRET: partner.totp_secret,
    ...overrides
  })

  beforeAll(async () => {
    server = await startServer(freshSqliteUrl())
    const created = await fetch(`${server.url}/sandbox/partners`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password })
    })
    expect(created.status).toBe(201)
    partner = (await created.json()) as typeof partner
  })
  afterAll(() => server.close())

  it("logs in with the environment's credentials and the current code; the token works and logs out", async () => {
    const run = await runBinary(["partner-login"], { env: envFor() })
    expect(run.stderr).toBe("")
    expect(run.status).toBe(0)
    const response = JSON.parse(run.stdout) as { access_token: string; expires_in: number }
    expect(Object.keys(response).sort()).toEqual(["access_token", "expires_in"])
    expect(response.expires_in).toBe(3600)
    expect(response.access_token.length).toBeGreaterThanOrEqual(32)
    const logout = (token: string) =>
      fetch(`${server.url}/api/v1/partners/auth/logout`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}` }
      })
    expect((await logout(response.access_token)).status).toBe(204)
    expect((await logout(response.access_token)).status).toBe(403)
  }, 60_000)

  it(
    "a wrong TOTP secret: refused, tried once more on the next step, then the server's InvalidOtp on one line, exit code 1",
    async () => {
      const run = await runBinary(["partner-login"], { env: envFor({ RAMPART_TOTP_SECRET: "JBSWY3DPEHPK3PXP" }) })
      expect(run.status, run.stderr).toBe(1)
      expect(run.stdout).toBe("")
      expect(run.stderr.trimEnd().split("\n")).toEqual([
        expect.stringMatching(
          /^rampart: security code refused \(this 30 s step was already used\?\); retrying with the next step in \d+ s$/
        ),
        expect.stringMatching(/^rampart: InvalidOtp: /)
      ])
    },
    90_000
  )

  it(
    "the current step's code already used over HTTP (the tour's curl): one line, a wait for the next step, then success",
    async () => {
      const other = `cli3${Date.now().toString(36)}@example.com`
      const created = await fetch(`${server.url}/sandbox/partners`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: other, password })
      })
      const third = (await created.json()) as typeof partner
      // Not in the last seconds of a step, so the CLI surely runs in the step the HTTP login used.
      if (Date.now() % 30_000 > 25_000) {
        await new Promise((resolve) => setTimeout(resolve, 30_500 - (Date.now() % 30_000)))
      }
      const used = await fetch(`${server.url}/api/v1/partners/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          email: other,
          password,
          client_id: third.client_id,
          client_secret: third.client_secret,
          security_code: Either.getOrThrow(totpAt(third.totp_secret, Math.floor(Date.now() / 1000)))
        })
      })
      expect(used.status).toBe(200)
      const started = Date.now()
      const run = await runBinary(["partner-login"], {
        env: envFor({
          RAMPART_PARTNER_EMAIL: other,
          RAMPART_CLIENT_ID: String(third.client_id),
          RAMPART_CLIENT_SECRET: third.client_secret,
          RAMPART_TOTP_SECRET: third.totp_secret
        })
      })
      expect(run.status, run.stderr).toBe(0)
      expect(run.stderr).toMatch(
        /^rampart: security code refused \(this 30 s step was already used\?\); retrying with the next step in \d+ s\n$/
      )
      expect(JSON.parse(run.stdout)).toEqual({ access_token: expect.any(String), expires_in: 3600 })
      // It waited for the next step: the login that succeeded was made in a later step than the refused one.
      expect(Math.floor(Date.now() / 30_000)).toBeGreaterThan(Math.floor(started / 30_000))
    },
    90_000
  )

  it("RAMPART_EXPIRES_IN sets the session length; bad or missing settings are named (in-process)", async () => {
    // A second partner, whose code of this 30 s step is still unused.
    const other = `cli2${Date.now().toString(36)}@example.com`
    const created = await fetch(`${server.url}/sandbox/partners`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: other, password })
    })
    const second = (await created.json()) as typeof partner
    const short = await runInProcess(
      ["partner-login"],
      envFor({
        RAMPART_PARTNER_EMAIL: other,
        RAMPART_CLIENT_ID: String(second.client_id),
        RAMPART_CLIENT_SECRET: second.client_secret,
        RAMPART_TOTP_SECRET: second.totp_secret,
        RAMPART_EXPIRES_IN: "60"
      })
    )
    expect(short.stderr).toEqual([])
    expect(JSON.parse(short.stdout[0]!)).toEqual({ access_token: expect.any(String), expires_in: 60 })

    const missing = await runInProcess(["partner-login"], { RAMPART_URL: server.url })
    expect(missing.ok).toBe(false)
    expect(missing.stderr).toHaveLength(1)
    for (
      const name of [
        "RAMPART_PARTNER_EMAIL",
        "RAMPART_PARTNER_PASSWORD",
        "RAMPART_CLIENT_ID",
        "RAMPART_CLIENT_SECRET",
        "RAMPART_TOTP_SECRET"
      ]
    ) {
      expect(missing.stderr[0]).toContain(`${name} is not set`)
    }
    expect(missing.stderr[0]).not.toContain(password)

    const badSecret = await runInProcess(["partner-login"], envFor({ RAMPART_TOTP_SECRET: "not base32!" }))
    expect(badSecret).toEqual({
      ok: false,
      stdout: [],
      stderr: ["rampart: RAMPART_TOTP_SECRET: The TOTP secret is not valid base32"]
    })

    const badExpiry = await runInProcess(["partner-login"], envFor({ RAMPART_EXPIRES_IN: "7200" }))
    expect(badExpiry.ok).toBe(false)
    expect(badExpiry.stderr).toEqual([expect.stringMatching(/^rampart: RAMPART_EXPIRES_IN: /)])

    const wrongPassword = await runInProcess(
      ["partner-login"],
      envFor({ RAMPART_PARTNER_PASSWORD: "wrong password 123" })
    )
    expect(wrongPassword).toEqual({ ok: false, stdout: [], stderr: [expect.stringMatching(/^rampart: AuthError: /)] })

    const unreachable = await runInProcess(
      ["partner-login"],
      envFor({ RAMPART_URL: `http://127.0.0.1:${await freePort()}` })
    )
    expect(unreachable.ok).toBe(false)
    expect(unreachable.stderr).toEqual([
      expect.stringMatching(/^rampart: cannot reach http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/)
    ])
  }, 60_000)
})

describe("rampart serve", () => {
  it("serves with the flags overriding the environment, and stops on SIGTERM", async () => {
    const state = mkdtempSync(join(tmpdir(), "rampart-serve-"))
    const port = await freePort()
    const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("RAMPART_")))
    const child = spawn(
      rampartBin,
      [
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        String(port),
        "--database-url",
        `sqlite:${join(state, "rampart.db")}`,
        "--mode",
        "sandbox"
      ],
      // The environment asks for production on another port and store: the flags win.
      {
        env: {
          ...base,
          RAMPART_STATE_DIR: state,
          RAMPART_MODE: "production",
          RAMPART_PORT: "1",
          RAMPART_DATABASE_URL: "postgres://nowhere/none"
        }
      }
    )
    let stdout = ""
    child.stdout.on("data", (chunk) => (stdout += chunk))
    let stderr = ""
    child.stderr.on("data", (chunk) => (stderr += chunk))
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve))
    try {
      const deadline = Date.now() + 90_000
      while (!stdout.includes("demo partner") && Date.now() < deadline && child.exitCode === null) {
        await new Promise((resolve) => setTimeout(resolve, 200))
      }
      expect(stdout, stderr).toContain(`Rampart sandbox on http://127.0.0.1:${port}`)
      const health = await fetch(`http://127.0.0.1:${port}/health`)
      expect(health.status).toBe(200)
      expect((await fetch(`http://127.0.0.1:${port}/sandbox/outbox?to=x@example.com`)).status).toBe(200)
    } finally {
      child.kill("SIGTERM")
    }
    expect(await exited).toBe(0)
  }, 120_000)

  it("a bad flag or a refused start-up: one line, exit code 1", async () => {
    expectOneLineFailure(
      await runBinary(["serve", "--port", "99999"]),
      /^rampart: --port must be a whole number from 1 to 65535\n$/
    )
    const state = mkdtempSync(join(tmpdir(), "rampart-serve-"))
    const production = await runBinary([
      "serve",
      "--mode",
      "production",
      "--database-url",
      `sqlite:${join(state, "rampart.db")}`
    ], {
      env: { RAMPART_STATE_DIR: state }
    })
    expectOneLineFailure(production, /^rampart: the server did not start: RAMPART_SECRET_KEY/)
  }, 120_000)
})
