/**
 * The sandbox control plane over HTTP with `fetch`: `POST /sandbox/reset` (everything removed,
 * offset 0, faults cleared, the seed applied again), `RAMPART_SEED` files (accounts with their
 * secrets on every start; a bad file stops the start with one line naming the file, the entry and
 * the field), and faults (`POST /sandbox/faults`, `DELETE /sandbox/faults`). SQLite, and
 * PostgreSQL when `RAMPART_TEST_DATABASE_URL` is set.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Either, Option } from "effect"
import { execFileSync } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { readSeedFile } from "../../src/Server/Sandbox/SeedFile.js"
import { describeStartFailure } from "../../src/Server/StartFailure.js"
import { countRows } from "../support/Concurrency.js"
import { call } from "../support/Http.js"
import { type RunningServer, startServer, startupFailure } from "../support/Server.js"
import { freshSqliteUrl, storeKinds } from "../support/Stores.js"

const PASSWORD = "correct horse battery"
const oathtool = (secret: string, seconds: number) =>
  execFileSync("oathtool", ["--totp", "-b", secret, "-N", `@${seconds}`], { encoding: "utf8" }).trim()

/** A seed file in a fresh directory; its path. */
const seedFile = (content: unknown) => {
  const path = join(mkdtempSync(join(tmpdir(), "rampart-seed-")), "seed.json")
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content))
  return path
}

const SEED = {
  users: [
    { email: "Seeded.User@example.com", password: PASSWORD, totp_secret: "jbsw y3dp ehpk 3pxp", phone: "+34612345678" },
    { email: "plain@example.com", password: PASSWORD }
  ],
  partners: [
    {
      email: "seeded.partner@example.com",
      password: PASSWORD,
      client_id: 4242,
      client_secret: "s".repeat(43),
      totp_secret: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    }
  ]
}

const DATA_TABLES = [
  "rampart_users",
  "rampart_refresh_tokens",
  "rampart_otp_codes",
  "rampart_partner_clients",
  "rampart_partner_sessions",
  "rampart_outbox",
  "rampart_security_events"
]

describe.each(storeKinds)("the sandbox control plane on %s", (_kind, fresh) => {
  let server: RunningServer
  let base: string
  beforeAll(async () => {
    server = await startServer(await fresh(), { seedFile: Option.some(seedFile(SEED)) })
    base = server.url
  })
  afterAll(() => server.close())

  const sandboxSeconds = async () => Math.floor(Date.parse((await call(base, "GET", "/sandbox/clock")).body.now) / 1000)
  const partnerLogin = async () => {
    let seconds = await sandboxSeconds()
    if (seconds % 30 > 27) {
      await new Promise((resolve) => setTimeout(resolve, 3_500))
      seconds = await sandboxSeconds()
    }
    const partner = SEED.partners[0]!
    return call(base, "POST", "/api/v1/partners/auth/login", {
      body: { ...partner, totp_secret: undefined, security_code: oathtool(partner.totp_secret, seconds) }
    })
  }

  it("the seed file's accounts exist with their credentials, validated TOTP secret and phone", async () => {
    const accounts = (await call(base, "GET", "/sandbox/accounts")).body
    const emails = accounts.users.map((user: { email: string }) => user.email).sort()
    expect(emails).toEqual(["plain@example.com", "seeded.partner@example.com", "seeded.user@example.com"])
    const user = accounts.users.find((u: { email: string }) => u.email === "seeded.user@example.com")
    expect(user.totp.secret).toBe("JBSWY3DPEHPK3PXP")
    expect(user.phone).toBe("+34612345678")
    const partner = accounts.users.find((u: { email: string }) => u.email === "seeded.partner@example.com")
    expect(partner.clientIds).toEqual([4242])

    const login = await call(base, "POST", "/auth/login", {
      body: { email: "seeded.user@example.com", password: PASSWORD }
    })
    expect(login.status).toBe(200)
    const profile = await call(base, "POST", "/auth/otp/methods/sms", {
      token: login.body.idToken,
      body: { phone: "612345678", country: "ES" }
    })
    // The phone is already validated: adding one again is refused as configured.
    expect(profile.body._tag).toBe("AlreadyConfigured")
    expect((await partnerLogin()).status).toBe(200)
  })

  it("POST /sandbox/reset removes everything, puts the clock back, clears faults and applies the seed again", async () => {
    // State of every kind: a user with a refresh token and a code, a partner session, an offset, a fault, events.
    const email = `gone-${Date.now()}@example.com`
    await call(base, "POST", "/sandbox/users", { body: { email, password: PASSWORD } })
    const login = await call(base, "POST", "/auth/login", { body: { email, password: PASSWORD } })
    expect((await call(base, "GET", "/auth/otp/code?method=EMAIL", { token: login.body.idToken })).status).toBe(201)
    await call(base, "POST", "/sandbox/clock", { body: { advanceSeconds: 3600 } })
    const session = await partnerLogin()
    expect(session.status).toBe(200)
    expect(
      (await call(base, "POST", "/sandbox/faults", { body: { method: "GET", path: "/health", status: 500, count: 5 } }))
        .status
    ).toBe(201)
    // Reading the events waits until every queued event is stored.
    expect((await call(base, "GET", "/sandbox/events")).body.length).toBeGreaterThan(0)
    for (const table of DATA_TABLES) expect(await countRows(server, table), table).toBeGreaterThan(0)

    const reset = await fetch(`${base}/sandbox/reset`, { method: "POST" })
    expect(reset.status).toBe(204)

    expect((await call(base, "GET", "/sandbox/clock")).body.offsetSeconds).toBe(0)
    expect((await call(base, "GET", "/health")).status).toBe(200)
    expect((await call(base, "GET", `/sandbox/outbox?to=${email}`)).body).toEqual([])
    for (const table of ["rampart_refresh_tokens", "rampart_otp_codes", "rampart_partner_sessions", "rampart_outbox"]) {
      expect(await countRows(server, table), table).toBe(0)
    }
    expect(await countRows(server, "rampart_users")).toBe(3)
    expect((await call(base, "POST", "/auth/login", { body: { email, password: PASSWORD } })).status).toBe(403)
    expect(
      (await call(base, "POST", "/auth/login/refresh", { body: { refreshToken: login.body.refreshToken } })).status
    ).toBe(403)
    expect((await call(base, "POST", "/api/v1/partners/auth/logout", { token: session.body.access_token })).status)
      .toBe(403)
    // The seed is back, with the same credentials and secrets.
    expect(
      (await call(base, "POST", "/auth/login", { body: { email: "plain@example.com", password: PASSWORD } })).status
    ).toBe(200)
    expect((await partnerLogin()).status).toBe(200)
    // A body, if any, must be empty.
    const withField = await call(base, "POST", "/sandbox/reset", { body: { everything: true } })
    expect(withField.status).toBe(400)
    expect(withField.body.message).toContain("everything")
  })

  it("a fault answers the next `count` matching requests with its status (a 503 as ServiceUnavailable, others SandboxFault), then the route works again", async () => {
    const armed = await call(base, "POST", "/sandbox/faults", {
      body: { method: "POST", path: "/auth/login", status: 503, count: 2 }
    })
    expect(armed.status).toBe(201)
    expect(typeof armed.body.id).toBe("string")
    const login = () => call(base, "POST", "/auth/login", { body: { email: "plain@example.com", password: PASSWORD } })
    for (let i = 0; i < 2; i++) {
      const faulted = await login()
      expect(faulted.status).toBe(503)
      expect(faulted.body._tag).toBe("ServiceUnavailable")
      expect(faulted.body.message).toContain(armed.body.id)
    }
    expect((await login()).status).toBe(200)
    // Method and path match exactly: another method or path is not touched.
    await call(base, "POST", "/sandbox/faults", { body: { method: "GET", path: "/health", status: 500, count: 1 } })
    expect((await call(base, "GET", "/health/")).status).not.toBe(500)
    const other = await call(base, "GET", "/health?x=1")
    expect(other.status).toBe(500)
    expect(other.body._tag).toBe("SandboxFault")
    expect((await call(base, "GET", "/health")).status).toBe(200)
  })

  it("a delay holds the request for delayMs, then it is handled (or answered with the status too)", async () => {
    await call(base, "POST", "/sandbox/faults", { body: { method: "GET", path: "/health", delayMs: 400, count: 1 } })
    let started = Date.now()
    expect((await call(base, "GET", "/health")).status).toBe(200)
    expect(Date.now() - started).toBeGreaterThanOrEqual(390)
    await call(base, "POST", "/sandbox/faults", {
      body: { method: "GET", path: "/health", delayMs: 300, status: 502, count: 1 }
    })
    started = Date.now()
    expect((await call(base, "GET", "/health")).status).toBe(502)
    expect(Date.now() - started).toBeGreaterThanOrEqual(290)
    started = Date.now()
    expect((await call(base, "GET", "/health")).status).toBe(200)
    expect(Date.now() - started).toBeLessThan(290)
  })

  it("count holds under concurrency: 20 concurrent requests against count 7 give exactly 7 faults", async () => {
    await call(base, "POST", "/sandbox/faults", { body: { method: "GET", path: "/health", status: 599, count: 7 } })
    const statuses = await Promise.all(
      Array.from({ length: 20 }, () => call(base, "GET", "/health").then((a) => a.status))
    )
    expect(statuses.filter((s) => s === 599)).toHaveLength(7)
    expect(statuses.filter((s) => s === 200)).toHaveLength(13)
  })

  it("DELETE /sandbox/faults clears every fault; faults never touch /sandbox routes", async () => {
    await call(base, "POST", "/sandbox/faults", { body: { method: "GET", path: "/health", status: 500, count: 1000 } })
    expect((await fetch(`${base}/sandbox/faults`, { method: "DELETE" })).status).toBe(204)
    expect((await call(base, "GET", "/health")).status).toBe(200)
    const onSandbox = await call(base, "POST", "/sandbox/faults", {
      body: { method: "GET", path: "/sandbox/clock", status: 500, count: 1 }
    })
    expect(onSandbox.status).toBe(400)
    expect(onSandbox.body.message).toContain("`path`")
    expect((await call(base, "GET", "/sandbox/clock")).status).toBe(200)
  })

  it("a bad fault is a 400 naming the field and arms nothing", async () => {
    const cases: ReadonlyArray<readonly [unknown, string]> = [
      [{ method: "GET", path: "/health", status: 503, count: 0 }, "count"],
      [{ method: "GET", path: "/health", status: 503, count: 1001 }, "count"],
      [{ method: "GET", path: "/health", status: 399, count: 1 }, "status"],
      [{ method: "GET", path: "/health", status: 600, count: 1 }, "status"],
      [{ method: "GET", path: "/health", delayMs: 30_001, count: 1 }, "delayMs"],
      [{ method: "GET", path: "/health", delayMs: -1, count: 1 }, "delayMs"],
      [{ method: "GET", path: "/health", count: 1 }, "status"],
      [{ method: "FETCH", path: "/health", status: 503, count: 1 }, "method"],
      [{ method: "GET", path: "health", status: 503, count: 1 }, "path"],
      [{ method: "GET", path: "/health?x=1", status: 503, count: 1 }, "path"],
      [{ method: "GET", path: "/health", status: 503, count: 1, repeat: true }, "repeat"],
      [{ method: "GET", path: "/health", status: 503 }, "count"]
    ]
    for (const [body, field] of cases) {
      const refused = await call(base, "POST", "/sandbox/faults", { body })
      expect(refused.status, JSON.stringify(body)).toBe(400)
      expect(refused.body.message, JSON.stringify(body)).toContain(field)
    }
    expect((await call(base, "GET", "/health")).status).toBe(200)
  })
})

describe("seed files at start", () => {
  const failure = async (content: unknown) => {
    const path = seedFile(content)
    return { path, message: await startupFailure(freshSqliteUrl(), { seedFile: Option.some(path) }) }
  }

  it("a bad seed file stops the start with one line naming the file, the entry and the field", async () => {
    const badSecret = { partners: [{ ...SEED.partners[0], client_secret: "short" }] }
    const { message, path } = await failure(badSecret)
    expect(message).toContain(
      `RAMPART_SEED file ${path}: partners[0].client_secret: must be a client secret of 32 to 256 characters`
    )

    const cases: ReadonlyArray<readonly [unknown, string]> = [
      ["{ not json", "is not JSON"],
      [{ users: [SEED.users[1], { email: "x@example.com", password: "short" }] }, "users[1].password"],
      [{ users: [{ email: "not-an-email", password: PASSWORD }] }, "users[0].email"],
      [{ users: [{ email: "t@example.com", password: PASSWORD, totp_secret: "AAAA" }] }, "users[0].totp_secret"],
      [{ users: [{ email: "p@example.com", password: PASSWORD, phone: "612345678" }] }, "users[0].phone"],
      [{ partners: [{ ...SEED.partners[0], client_id: 0 }] }, "partners[0].client_id"],
      [{ partners: [{ ...SEED.partners[0], totp_secret: undefined }] }, "partners[0].totp_secret"],
      [{ accounts: [] }, "accounts"]
    ]
    for (const [content, where] of cases) {
      const result = await failure(content)
      expect(result.message, where).toContain(`RAMPART_SEED file ${result.path}: `)
      expect(result.message, where).toContain(where)
    }
    const missing = await startupFailure(freshSqliteUrl(), { seedFile: Option.some("/nonexistent/seed.json") })
    expect(missing).toContain("RAMPART_SEED file /nonexistent/seed.json: cannot be read")
  })

  it("the start failure is the one line entry points print", async () => {
    const path = seedFile({ partners: [{ ...SEED.partners[0], client_secret: "short" }] })
    const error = Either.getLeft(await Effect.runPromise(Effect.either(readSeedFile(path))))
    expect(Option.isSome(error)).toBe(true)
    const line = describeStartFailure(Option.getOrThrow(error))
    expect(line).toBe(
      `RAMPART_SEED file ${path}: partners[0].client_secret: must be a client secret of 32 to 256 characters`
    )
    expect(line).not.toContain("\n")
  })

  it("the same seed gives the same credentials on every start, also on a new store", async () => {
    const path = seedFile(SEED)
    for (let i = 0; i < 2; i++) {
      const server = await startServer(freshSqliteUrl(), { seedFile: Option.some(path) })
      try {
        const login = await call(server.url, "POST", "/auth/login", {
          body: { email: "plain@example.com", password: PASSWORD }
        })
        expect(login.status).toBe(200)
        const accounts = (await call(server.url, "GET", "/sandbox/accounts")).body
        const partner = accounts.users.find((u: { email: string }) => u.email === "seeded.partner@example.com")
        expect(partner.totp.secret).toBe(SEED.partners[0]!.totp_secret)
        expect(partner.clientIds).toEqual([4242])
      } finally {
        await server.close()
      }
    }
  })
})
