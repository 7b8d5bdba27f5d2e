/**
 * Sandbox time travel through every rule, over HTTP with `fetch`: `POST /sandbox/clock` moves
 * sandbox time forward and each rule reads it — idToken `iat`/`exp` and their check, the refresh
 * token's 30 days, a code's `validUntil` and expiry, resend spacing and the hourly cap, the account
 * and client lockouts, partner `expires_in`, and the TOTP step codes are checked against (codes
 * made by `oathtool -N @<sandbox now>`). Also: the offset is in the store (two instances agree, a
 * restart keeps it), it only moves forward, and production has no sandbox clock. SQLite, and
 * PostgreSQL when `RAMPART_TEST_DATABASE_URL` is set.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { execFileSync } from "node:child_process"
import { Accounts } from "../../src/Server/Accounts/Accounts.js"
import { SandboxClock } from "../../src/Server/Sandbox/SandboxClock.js"
import { call } from "../support/Http.js"
import { type RunningServer, startProductionServer, startServer } from "../support/Server.js"
import { freshSqliteUrl, storeKinds } from "../support/Stores.js"

const PASSWORD = "correct horse battery"
let counter = 0
const email = (tag: string) => `${tag}-${Date.now().toString(36)}-${counter++}@example.com`

/** The code oathtool makes for `secret` at Unix second `seconds`. */
const oathtool = (secret: string, seconds: number) =>
  execFileSync("oathtool", ["--totp", "-b", secret, "-N", `@${seconds}`], { encoding: "utf8" }).trim()

/** The claims of a JWT (no verification: the server verifies; this reads what it signed). */
const claims = (jwt: string): { iat: number; exp: number } =>
  JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString("utf8"))

describe.each(storeKinds)("sandbox time travel on %s", (_kind, fresh) => {
  let server: RunningServer
  let base: string

  beforeAll(async () => {
    server = await startServer(await fresh())
    base = server.url
  })
  afterAll(() => server.close())

  /** Sandbox time now, in milliseconds. */
  const sandboxNow = async () => {
    const clock = await call(base, "GET", "/sandbox/clock")
    expect(clock.status).toBe(200)
    return Date.parse(clock.body.now)
  }
  const advance = async (seconds: number) => {
    const answer = await call(base, "POST", "/sandbox/clock", { body: { advanceSeconds: seconds } })
    expect(answer.status).toBe(200)
    return answer.body as { now: string; offsetSeconds: number }
  }
  const newUser = async (tag: string) => {
    const address = email(tag)
    expect((await call(base, "POST", "/sandbox/users", { body: { email: address, password: PASSWORD } })).status).toBe(
      201
    )
    const login = await call(base, "POST", "/auth/login", { body: { email: address, password: PASSWORD } })
    expect(login.status).toBe(200)
    return { email: address, idToken: login.body.idToken as string, refreshToken: login.body.refreshToken as string }
  }
  /** A bearer check without side effects: 403 when the idToken is refused, else NotConfigured (no TOTP). */
  const tokenAccepted = async (idToken: string) => {
    const answer = await call(base, "DELETE", "/auth/otp/methods/totp", {
      token: idToken,
      headers: { "x-otp": "000000" }
    })
    return answer.status !== 403
  }

  it("GET /sandbox/clock is wall time plus the offset; POST moves it forward only, and refuses anything else naming advanceSeconds", async () => {
    const before = await call(base, "GET", "/sandbox/clock")
    const start = before.body.offsetSeconds as number
    expect(Math.abs(Date.parse(before.body.now) - (Date.now() + start * 1000))).toBeLessThan(2_000)
    const moved = await advance(90)
    expect(moved.offsetSeconds).toBe(start + 90)
    expect(Math.abs(Date.parse(moved.now) - (Date.now() + (start + 90) * 1000))).toBeLessThan(2_000)
    for (
      const body of [
        { advanceSeconds: 0 },
        { advanceSeconds: -5 },
        { advanceSeconds: 1.5 },
        { advanceSeconds: 31_536_001 },
        { advanceSeconds: "60" },
        {},
        { advanceSeconds: 5, extra: 1 }
      ]
    ) {
      const refused = await call(base, "POST", "/sandbox/clock", { body })
      expect(refused.status, JSON.stringify(body)).toBe(400)
      expect(refused.body.message, JSON.stringify(body)).toMatch(/advanceSeconds|extra/)
    }
    expect((await call(base, "GET", "/sandbox/clock")).body.offsetSeconds).toBe(start + 90)
  })

  it("idTokens: iat at sandbox time, refused after their hour, a refresh signs at sandbox time; the refresh token dies after 30 days", async () => {
    const user = await newUser("idtoken")
    const issued = claims(user.idToken)
    expect(Math.abs(issued.iat * 1000 - (await sandboxNow()))).toBeLessThan(5_000)
    expect(issued.exp - issued.iat).toBe(3600)
    expect(await tokenAccepted(user.idToken)).toBe(true)

    await advance(3600 + 60)
    expect(await tokenAccepted(user.idToken)).toBe(false)
    const refreshed = await call(base, "POST", "/auth/login/refresh", { body: { refreshToken: user.refreshToken } })
    expect(refreshed.status).toBe(200)
    const renewed = claims(refreshed.body.idToken)
    expect(Math.abs(renewed.iat * 1000 - (await sandboxNow()))).toBeLessThan(5_000)
    expect(renewed.iat - issued.iat).toBeGreaterThanOrEqual(3600 + 60)
    expect(await tokenAccepted(refreshed.body.idToken)).toBe(true)

    await advance(30 * 24 * 3600)
    const late = await call(base, "POST", "/auth/login/refresh", { body: { refreshToken: user.refreshToken } })
    expect(late.status).toBe(403)
  })

  it("an EMAIL code: validUntil is sandbox now + 5 min, it verifies at 4:50 and is dead after 5:01", async () => {
    const user = await newUser("code")
    const sent = await call(base, "GET", "/auth/otp/code?method=EMAIL", { token: user.idToken })
    expect(sent.status).toBe(201)
    const now = await sandboxNow()
    expect(Math.abs(Date.parse(sent.body.validUntil) - (now + 300_000))).toBeLessThan(5_000)
    const code = (await call(base, "GET", `/sandbox/outbox?to=${encodeURIComponent(user.email)}`)).body[0]
      .code as string
    await advance(301)
    const late = await call(base, "POST", "/auth/otp/code", {
      token: (await refreshedToken(user)),
      body: { channel: "EMAIL" },
      headers: { "x-otp": code }
    })
    expect(late.status).toBe(401)
    expect(late.body._tag).toBe("InvalidOtp")

    await advance(60)
    const again = await call(base, "GET", "/auth/otp/code?method=EMAIL", { token: await refreshedToken(user) })
    expect(again.status).toBe(201)
    const fresh = (await call(base, "GET", `/sandbox/outbox?to=${encodeURIComponent(user.email)}`)).body[0]
      .code as string
    await advance(290)
    const inTime = await call(base, "POST", "/auth/otp/code", {
      token: await refreshedToken(user),
      body: { channel: "EMAIL" },
      headers: { "x-otp": fresh }
    })
    expect(inTime.status).toBe(200)
  })

  /** A fresh idToken for `user` at current sandbox time (jumps may have outlived the last one). */
  const refreshedToken = async (user: { refreshToken: string }) => {
    const answer = await call(base, "POST", "/auth/login/refresh", { body: { refreshToken: user.refreshToken } })
    expect(answer.status).toBe(200)
    return answer.body.idToken as string
  }

  it("resend spacing (60 s) and the hourly cap (5 per rolling hour) follow sandbox time", async () => {
    const user = await newUser("resend")
    const request = async () => call(base, "GET", "/auth/otp/code?method=EMAIL", { token: await refreshedToken(user) })
    expect((await request()).status).toBe(201)
    const early = await request()
    expect(early.status).toBe(401)
    expect(early.body._tag).toBe("AttemptsExhausted")
    expect(early.body.retryAfterSeconds).toBeGreaterThan(50)
    await advance(61)
    expect((await request()).status).toBe(201)
    for (let i = 0; i < 3; i++) {
      await advance(61)
      expect((await request()).status).toBe(201)
    }
    await advance(61)
    const capped = await request()
    expect(capped.status).toBe(401)
    expect(capped.body._tag).toBe("AttemptsExhausted")
    expect(capped.body.retryAfterSeconds).toBeGreaterThan(61)
    await advance(capped.body.retryAfterSeconds as number)
    expect((await request()).status).toBe(201)
  })

  it("the account lockout (10 failures, 15 minutes) ends at sandbox time", async () => {
    const user = await newUser("lock")
    for (let i = 0; i < 10; i++) {
      expect(
        (await call(base, "POST", "/auth/login", { body: { email: user.email, password: "wrong password!" } })).status
      ).toBe(403)
    }
    expect((await call(base, "POST", "/auth/login", { body: { email: user.email, password: PASSWORD } })).status).toBe(
      403
    )
    await advance(14 * 60)
    expect((await call(base, "POST", "/auth/login", { body: { email: user.email, password: PASSWORD } })).status).toBe(
      403
    )
    await advance(61)
    expect((await call(base, "POST", "/auth/login", { body: { email: user.email, password: PASSWORD } })).status).toBe(
      200
    )
  })

  /** A partner created with a known TOTP secret. */
  const newPartner = async (tag: string, totpSecret?: string) => {
    const address = email(tag)
    const created = await call(base, "POST", "/sandbox/partners", {
      body: { email: address, password: PASSWORD, ...(totpSecret === undefined ? {} : { totp_secret: totpSecret }) }
    })
    expect(created.status).toBe(201)
    return { email: address, ...(created.body as { client_id: number; client_secret: string; totp_secret: string }) }
  }
  type Partner = Awaited<ReturnType<typeof newPartner>>
  const partnerLogin = (partner: Partner, code: string, extra: Record<string, unknown> = {}) =>
    call(base, "POST", "/api/v1/partners/auth/login", {
      body: {
        email: partner.email,
        password: PASSWORD,
        client_id: partner.client_id,
        client_secret: partner.client_secret,
        security_code: code,
        ...extra
      }
    })
  /** The partner's code at sandbox time, from oathtool, away from a step boundary. */
  const sandboxCode = async (partner: Partner) => {
    let now = await sandboxNow()
    if (now % 30_000 > 27_000) {
      await new Promise((resolve) => setTimeout(resolve, 30_500 - (now % 30_000)))
      now = await sandboxNow()
    }
    return oathtool(partner.totp_secret, Math.floor(now / 1000))
  }

  it("the TOTP step follows sandbox time: oathtool -N @<sandbox now> verifies, the wall-time code does not", async () => {
    const partner = await newPartner("totp-step")
    await advance(3 * 3600 + 17)
    const wallCode = oathtool(partner.totp_secret, Math.floor(Date.now() / 1000))
    const code = await sandboxCode(partner)
    expect(wallCode).not.toBe(code)
    const refused = await partnerLogin(partner, wallCode)
    expect(refused.status).toBe(401)
    expect(refused.body._tag).toBe("InvalidOtp")
    const accepted = await partnerLogin(partner, code)
    expect(accepted.status).toBe(200)
  })

  it("partner expires_in runs on sandbox time, and the client lockout ends at sandbox time", async () => {
    const partner = await newPartner("expires", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    expect(partner.totp_secret).toBe("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    const login = await partnerLogin(partner, await sandboxCode(partner), { expires_in: 120 })
    expect(login.status).toBe(200)
    expect(login.body.expires_in).toBe(120)
    const token = login.body.access_token as string
    await advance(121)
    expect((await call(base, "POST", "/api/v1/partners/auth/logout", { token })).status).toBe(403)

    for (let i = 0; i < 10; i++) {
      const wrong = await call(base, "POST", "/api/v1/partners/auth/login", {
        body: {
          email: partner.email,
          password: PASSWORD,
          client_id: partner.client_id,
          client_secret: "x".repeat(43),
          security_code: "000000"
        }
      })
      expect(wrong.status).toBe(403)
    }
    await advance(60)
    const locked = await partnerLogin(partner, await sandboxCode(partner))
    expect([locked.status, locked.body._tag]).toEqual([401, "AttemptsExhausted"])
    await advance(15 * 60)
    expect((await partnerLogin(partner, await sandboxCode(partner))).status).toBe(200)
  })

  it("POST /sandbox/partners takes a given TOTP secret (normalised) and refuses a short or malformed one naming totp_secret", async () => {
    const given = await newPartner("given", "jbsw y3dp ehpk 3pxp====")
    expect(given.totp_secret).toBe("JBSWY3DPEHPK3PXP")
    expect((await partnerLogin(given, await sandboxCode(given))).status).toBe(200)
    for (const totp_secret of ["JBSWY3DPEHPK3PX", "JBSWY3DPEHPK3PX1", "", "A".repeat(300)]) {
      const refused = await call(base, "POST", "/sandbox/partners", {
        body: { email: email("bad"), password: PASSWORD, totp_secret }
      })
      expect(refused.status, totp_secret).toBe(400)
      expect(refused.body.message, totp_secret).toContain("totp_secret")
      expect(JSON.stringify(refused.body).length).toBeLessThan(1024)
    }
  })
})

describe.each(storeKinds)("the sandbox offset is kept in the store on %s", (kind, fresh) => {
  it.skipIf(kind !== "postgres")("two instances on one PostgreSQL agree on sandbox time", async () => {
    const url = await fresh()
    const [a, b] = [await startServer(url), await startServer(url)]
    try {
      await call(a.url, "POST", "/sandbox/clock", { body: { advanceSeconds: 7200 } })
      const seen = await call(b.url, "GET", "/sandbox/clock")
      expect(seen.body.offsetSeconds).toBe(7200)
      const user = `twin-${Date.now()}@example.com`
      await call(a.url, "POST", "/sandbox/users", { body: { email: user, password: PASSWORD } })
      const login = await call(b.url, "POST", "/auth/login", { body: { email: user, password: PASSWORD } })
      const iat = claims(login.body.idToken).iat * 1000
      expect(Math.abs(iat - (Date.now() + 7200_000))).toBeLessThan(5_000)
    } finally {
      await a.close()
      await b.close()
    }
  })

  it("a restart keeps the offset", async () => {
    const url = kind === "sqlite" ? freshSqliteUrl() : await fresh()
    const first = await startServer(url)
    await call(first.url, "POST", "/sandbox/clock", { body: { advanceSeconds: 600 } })
    await first.close()
    const second = await startServer(url)
    try {
      expect((await call(second.url, "GET", "/sandbox/clock")).body.offsetSeconds).toBe(600)
    } finally {
      await second.close()
    }
  })
})

describe("production mode has no sandbox control plane", () => {
  let server: RunningServer
  beforeAll(async () => {
    server = await startProductionServer()
  })
  afterAll(() => server.close())

  it("answers 404 on every sandbox route, with any method", async () => {
    const routes: ReadonlyArray<readonly [string, string, unknown?]> = [
      ["GET", "/sandbox"],
      ["GET", "/sandbox/clock"],
      ["POST", "/sandbox/clock", { advanceSeconds: 60 }],
      ["POST", "/sandbox/reset"],
      ["POST", "/sandbox/faults", { method: "GET", path: "/health", status: 503, count: 1 }],
      ["DELETE", "/sandbox/faults"],
      ["GET", "/sandbox/events"],
      ["GET", "/sandbox/accounts"],
      ["GET", "/sandbox/outbox"],
      ["POST", "/sandbox/users", { email: "a@example.com", password: PASSWORD }],
      ["POST", "/sandbox/partners", { email: "b@example.com", password: PASSWORD }]
    ]
    for (const [method, path, body] of routes) {
      const answer = await call(server.url, method, path, body === undefined ? {} : { body })
      expect(answer.status, `${method} ${path}`).toBe(404)
      expect(answer.body._tag, `${method} ${path}`).toBe("NotFound")
    }
  })

  it("signs idTokens at wall time", async () => {
    const health = await call(server.url, "GET", "/health")
    expect(health.status).toBe(200)
    // Even an offset in the store (written by a sandbox on the same store) is not read in production.
    await server.runtime.runPromise(Effect.flatMap(SandboxClock, (clock) => clock.advance(86_400)))
    const address = `prod-${Date.now()}@example.com`
    await server.runtime.runPromise(
      Effect.flatMap(Accounts, (accounts) => accounts.createUser(address, Redacted.make(PASSWORD)))
    )
    const login = await call(server.url, "POST", "/auth/login", { body: { email: address, password: PASSWORD } })
    expect(login.status).toBe(200)
    expect(Math.abs(claims(login.body.idToken).iat * 1000 - Date.now())).toBeLessThan(5_000)
  })
})
