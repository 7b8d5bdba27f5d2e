/**
 * SPEC "counters and 'last used step' updates are atomic in the store, so limits hold ... across
 * server instances sharing PostgreSQL" (issue 5, item 12): two servers on ONE PostgreSQL database,
 * sharing their state directory (so both hold the same keys: sealed secrets open on either, and an
 * idToken from one verifies on the other), with requests split across them.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { countRows, otherCode, query, tally, totpWall } from "../support/Concurrency.js"
import { call } from "../support/Http.js"
import { type RunningServer, startServer } from "../support/Server.js"
import { freshPostgresUrl, testPostgresUrl } from "../support/Stores.js"

const password = "two instances password"
let counter = 0

describe.skipIf(testPostgresUrl === undefined)("two server instances on one PostgreSQL database", () => {
  let a: RunningServer
  let b: RunningServer
  /** Instance A for even `i`, B for odd. */
  const on = (i: number) => (i % 2 === 0 ? a : b)
  const http = (server: RunningServer, method: string, path: string, options?: Parameters<typeof call>[3]) =>
    call(server.url, method, path, options)

  beforeAll(async () => {
    const databaseUrl = await freshPostgresUrl()
    const stateDirectory = mkdtempSync(join(tmpdir(), "rampart-two-"))
    // One after the other: the first generates and persists the keys, the second reads them.
    a = await startServer(databaseUrl, { stateDirectory })
    b = await startServer(databaseUrl, { stateDirectory })
  })
  afterAll(async () => {
    await a?.close()
    await b?.close()
  })

  /** A user created on A and logged in on B (the idToken is valid on both). */
  const user = async () => {
    const email = `two${counter++}-${Date.now().toString(36)}@example.com`
    expect((await http(a, "POST", "/sandbox/users", { body: { email, password } })).status).toBe(201)
    const idToken = (await http(b, "POST", "/auth/login", { body: { email, password } })).body.idToken as string
    return { email, idToken }
  }
  const enrol = async (server: RunningServer, idToken: string) =>
    (await http(server, "POST", "/auth/otp/methods/totp", { body: {}, token: idToken })).body.totp.secret as string
  const verifyTotp = (server: RunningServer, idToken: string, code: string) =>
    http(server, "POST", "/auth/otp/code", { body: { channel: "TOTP" }, token: idToken, headers: { "x-otp": code } })
  const deleteTotp = (server: RunningServer, idToken: string, code: string) =>
    http(server, "DELETE", "/auth/otp/methods/totp", { token: idToken, headers: { "x-otp": code } })
  const partner = async () => {
    const email = `twop${counter++}-${Date.now().toString(36)}@example.com`
    const creds = (await http(b, "POST", "/sandbox/partners", { body: { email, password } })).body
    const login = (server: RunningServer, security_code: string) =>
      http(server, "POST", "/api/v1/partners/auth/login", {
        body: { email, password, client_id: creds.client_id, client_secret: creds.client_secret, security_code }
      })
    return { creds, login }
  }

  it("both instances share the keys: same JWKS, an idToken of one works on the other", async () => {
    expect((await http(a, "GET", "/.well-known/jwks.json")).body).toEqual(
      (await http(b, "GET", "/.well-known/jwks.json")).body
    )
    const { idToken } = await user()
    expect((await http(a, "GET", "/auth/otp/code?method=EMAIL", { token: idToken })).status).toBe(201)
  })

  it("the verification budget: 20 concurrent wrong TOTP codes split A/B → exactly 10 count, then both instances refuse the right code", async () => {
    const { idToken } = await user()
    const secret = await enrol(a, idToken)
    const code = totpWall(secret)
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => verifyTotp(on(i), idToken, otherCode(code, 1 + i)))
    )
    expect(tally(answers)).toEqual({ "401 InvalidOtp": 10, "401 AttemptsExhausted": 10 })
    for (const server of [a, b]) {
      const right = await verifyTotp(server, idToken, totpWall(secret))
      expect(right).toMatchObject({ status: 401, body: { _tag: "AttemptsExhausted" } })
      expect(right.body.retryAfterSeconds).toBeGreaterThan(14 * 60)
    }
  })

  it("the verification budget, sequentially: 5 failures on A and 5 on B lock both", async () => {
    const { idToken } = await user()
    const secret = await enrol(b, idToken)
    for (let i = 0; i < 10; i++) {
      const server = i < 5 ? a : b
      expect((await verifyTotp(server, idToken, otherCode(totpWall(secret), 1 + i))).body._tag).toBe("InvalidOtp")
    }
    expect((await verifyTotp(a, idToken, totpWall(secret))).body._tag).toBe("AttemptsExhausted")
    expect((await verifyTotp(b, idToken, totpWall(secret))).body._tag).toBe("AttemptsExhausted")
  })

  it("the password budget: 10 concurrent wrong passwords split A/B lock password login on both", async () => {
    const { email } = await user()
    const answers = await Promise.all(
      Array.from(
        { length: 10 },
        (_, i) => http(on(i), "POST", "/auth/login", { body: { email, password: `wrong ${i} password` } })
      )
    )
    expect(tally(answers)).toEqual({ "403 AuthError": 10 })
    for (const server of [a, b]) {
      expect((await http(server, "POST", "/auth/login", { body: { email, password } })).status).toBe(403)
    }
  })

  it("an EMAIL code: 30 concurrent wrong guesses split A/B → at most 5 count against the code, none succeeds", async () => {
    const { email, idToken } = await user()
    expect((await http(a, "GET", "/auth/otp/code?method=EMAIL", { token: idToken })).status).toBe(201)
    const code = (await http(b, "GET", `/sandbox/outbox?to=${encodeURIComponent(email)}`)).body[0].code as string
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        http(on(i), "POST", "/auth/otp/code", {
          body: { channel: "EMAIL" },
          token: idToken,
          headers: { "x-otp": otherCode(code, 1 + i) }
        }))
    )
    expect(tally(answers)).toEqual({ "401 InvalidOtp": 10, "401 AttemptsExhausted": 20 })
    const rows = await query<{ attempts: unknown }>(
      b,
      (sql) =>
        sql`SELECT c.attempts FROM rampart_otp_codes c JOIN rampart_users u ON u.id = c.user_id WHERE u.email = ${email}`
    )
    expect(Number(rows[0]!.attempts)).toBe(5)
    for (const server of [a, b]) {
      const right = await http(server, "POST", "/auth/otp/code", {
        body: { channel: "EMAIL" },
        token: idToken,
        headers: { "x-otp": code }
      })
      expect(right.status).toBe(401)
    }
  })

  it("TOTP replay: a code accepted on A is refused on B (user TOTP and partner security_code)", async () => {
    const { idToken } = await user()
    const secret = await enrol(a, idToken)
    const code = totpWall(secret)
    expect((await verifyTotp(a, idToken, code)).status).toBe(200)
    expect(await deleteTotp(b, idToken, code)).toMatchObject({ status: 401, body: { _tag: "InvalidOtp" } })
    // B opens the secret sealed by A: a fresh code deletes it there
    expect((await deleteTotp(b, idToken, totpWall(secret, 1))).status).toBe(200)

    const { creds, login } = await partner()
    const securityCode = totpWall(creds.totp_secret)
    expect((await login(a, securityCode)).status).toBe(200)
    expect(await login(b, securityCode)).toMatchObject({ status: 401, body: { _tag: "InvalidOtp" } })
  })

  it("ten concurrent uses of one TOTP code split 5/5: exactly one success (validation, deletion, mixed)", async () => {
    {
      const { idToken } = await user()
      const code = totpWall(await enrol(a, idToken))
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => verifyTotp(on(i), idToken, code)))
      expect(tally(answers)["200"]).toBe(1)
      expect(answers.every((x) => x.status === 200 || x.status === 400 || x.status === 401)).toBe(true)
    }
    {
      const { idToken } = await user()
      const secret = await enrol(b, idToken)
      expect((await verifyTotp(a, idToken, totpWall(secret))).status).toBe(200)
      const code = totpWall(secret, 1)
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => deleteTotp(on(i), idToken, code)))
      expect(tally(answers)["200"]).toBe(1)
      expect(answers.every((x) => x.status === 200 || x.status === 400 || x.status === 401)).toBe(true)
    }
    {
      // A validates, B deletes, with the same code: after a validation every deletion is a replay.
      const { idToken } = await user()
      const code = totpWall(await enrol(a, idToken))
      const answers = await Promise.all(
        Array.from(
          { length: 10 },
          (_, i) => (i % 2 === 0 ? verifyTotp(a, idToken, code) : deleteTotp(b, idToken, code))
        )
      )
      expect(tally(answers)["200"]).toBe(1)
      if (answers.some((x, i) => i % 2 === 0 && x.status === 200)) {
        expect(answers.filter((_, i) => i % 2 === 1).map((x) => x.body._tag)).toEqual(Array(5).fill("InvalidOtp"))
      }
    }
  })

  it("partner single use: ten concurrent logins with one security_code split 5/5 → one session", async () => {
    const { creds, login } = await partner()
    const code = totpWall(creds.totp_secret)
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => login(on(i), code)))
    expect(tally(answers)).toEqual({ "200": 1, "401 InvalidOtp": 9 })
    expect(await countRows(a, "rampart_partner_sessions", ["client_id", creds.client_id])).toBe(1)
    const token = answers.find((x) => x.status === 200)!.body.access_token as string
    // the session opened on one instance is known to the other
    const other = answers.findIndex((x) => x.status === 200) % 2 === 0 ? b : a
    expect((await http(other, "POST", "/api/v1/partners/auth/logout", { token })).status).toBe(204)
  })

  it("partner client budget: 10 wrong client secrets split A/B lock the client on both", async () => {
    const { creds, login } = await partner()
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        http(on(i), "POST", "/api/v1/partners/auth/login", {
          body: {
            email: "nobody@example.com",
            password,
            client_id: creds.client_id,
            client_secret: "wrong secret wrong secret wrong secret",
            security_code: "000000"
          }
        }))
    )
    expect(tally(answers)).toEqual({ "403 AuthError": 10 })
    for (const server of [a, b]) {
      expect(await login(server, totpWall(creds.totp_secret))).toMatchObject({
        status: 401,
        body: { _tag: "AttemptsExhausted" }
      })
    }
  })
})
