/**
 * SPEC "at most 5 wrong tries per code, after which the code is dead" and "10 consecutive failed
 * verifications lock OTP verification" under concurrency (issue 5, item 3): thirty concurrent wrong
 * guesses against one EMAIL code over real HTTP, on SQLite and (when configured) PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { otherCode, query, tally } from "../support/Concurrency.js"
import { call, newUserToken } from "../support/Http.js"
import { type RunningServer, startServer } from "../support/Server.js"
import { storeKinds } from "../support/Stores.js"

const password = "guessing password 1"
let counter = 0

describe.each(storeKinds)("concurrent wrong guesses against one EMAIL code on %s", (_kind, fresh) => {
  let server: RunningServer
  const http = (method: string, path: string, options?: Parameters<typeof call>[3]) =>
    call(server.url, method, path, options)

  beforeAll(async () => {
    server = await startServer(await fresh())
  })
  afterAll(() => server.close())

  /** A logged-in user who has just been sent an EMAIL code; returns the token and the code. */
  const withEmailCode = async () => {
    const email = `guess${counter++}-${Date.now().toString(36)}@example.com`
    const idToken = await newUserToken(server.url, email, password)
    expect((await http("GET", "/auth/otp/code?method=EMAIL", { token: idToken })).status).toBe(201)
    const code = (await http("GET", `/sandbox/outbox?to=${encodeURIComponent(email)}`)).body[0].code as string
    return { email, idToken, code }
  }
  const verify = (idToken: string, code: string) =>
    http("POST", "/auth/otp/code", { body: { channel: "EMAIL" }, token: idToken, headers: { "x-otp": code } })
  const codeRow = async (email: string) => (await query<{ attempts: unknown; consumed_at: unknown }>(
    server,
    (sql) =>
      sql`SELECT c.attempts, c.consumed_at FROM rampart_otp_codes c JOIN rampart_users u ON u.id = c.user_id WHERE u.email = ${email}`
  ))
  const userRow = async (email: string) =>
    (await query<{ otp_failures: unknown; otp_locked_until: unknown; email_verified_at: unknown }>(
      server,
      (sql) => sql`SELECT otp_failures, otp_locked_until, email_verified_at FROM rampart_users WHERE email = ${email}`
    ))[0]!

  it("30 concurrent wrong guesses: none succeeds, 5 count against the code, 10 lock the account, the right code is refused", async () => {
    const user = await withEmailCode()
    const before = Date.now()
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => verify(user.idToken, otherCode(user.code, 1 + i)))
    )
    const counts = tally(answers)
    expect(counts["200"], JSON.stringify(counts)).toBeUndefined()
    // One verification at a time per user: the first ten fail and count, the tenth starts the lock.
    expect(counts, JSON.stringify(counts)).toEqual({ "401 InvalidOtp": 10, "401 AttemptsExhausted": 20 })
    const rows = await codeRow(user.email)
    expect(rows).toHaveLength(1)
    expect(Number(rows[0]!.attempts)).toBeLessThanOrEqual(5)
    expect(Number(rows[0]!.attempts)).toBe(5)
    expect(rows[0]!.consumed_at).toBeNull()
    const account = await userRow(user.email)
    expect(Number(account.otp_locked_until)).toBeGreaterThanOrEqual(before + 15 * 60_000 - 1000)
    const right = await verify(user.idToken, user.code)
    expect(right).toMatchObject({ status: 401, body: { _tag: "AttemptsExhausted" } })
    expect(right.body.retryAfterSeconds).toBeGreaterThan(14 * 60)
    expect((await userRow(user.email)).email_verified_at).toBeNull()
  })

  it("9 concurrent wrong guesses (below the account lock): the code is dead after 5, the right code is refused as invalid", async () => {
    const user = await withEmailCode()
    const answers = await Promise.all(
      Array.from({ length: 9 }, (_, i) => verify(user.idToken, otherCode(user.code, 7 + i)))
    )
    expect(tally(answers)).toEqual({ "401 InvalidOtp": 9 })
    expect(Number((await codeRow(user.email))[0]!.attempts)).toBe(5)
    expect(await verify(user.idToken, user.code)).toMatchObject({ status: 401, body: { _tag: "InvalidOtp" } })
    expect((await userRow(user.email)).email_verified_at).toBeNull()
    // that refusal was the tenth consecutive failure: verification is now locked
    expect((await verify(user.idToken, user.code)).body._tag).toBe("AttemptsExhausted")
  })

  it("4 concurrent wrong guesses and the right code: the code survives 4 tries and verifies once", async () => {
    const user = await withEmailCode()
    const answers = await Promise.all([
      ...Array.from({ length: 4 }, (_, i) => verify(user.idToken, otherCode(user.code, 3 + i))),
      verify(user.idToken, user.code)
    ])
    expect(answers[4]!.status).toBe(200)
    expect(
      answers.slice(0, 4).every((a) => a.status === 401 || (a.status === 400 && a.body._tag === "AlreadyConfigured"))
    ).toBe(
      true
    )
    expect((await codeRow(user.email))[0]!.consumed_at).not.toBeNull()
  })
})
