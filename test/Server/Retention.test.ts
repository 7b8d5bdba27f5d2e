/**
 * Store retention (issue 25) on a sandbox server, driven by sandbox time: a revoked partner session
 * goes at the next round; after a jump of 31 days the pruner has deleted the expired refresh
 * tokens, the OTP codes and the outbox messages (users stay); events go once they are older than
 * RAMPART_EVENTS_RETENTION_DAYS; and a user logging in in a loop keeps at most 100 live refresh tokens.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Duration } from "effect"
import { countRows, query } from "../support/Concurrency.js"
import { call, newPartnerToken } from "../support/Http.js"
import { type RunningServer, startServer } from "../support/Server.js"
import { storeKinds } from "../support/Stores.js"

const password = "correct horse battery"
const DAY = 24 * 60 * 60

describe.each(storeKinds)("store retention on %s", (_kind, fresh) => {
  let server: RunningServer
  beforeAll(async () => {
    server = await startServer(await fresh(), { pruneInterval: Duration.millis(100), eventsRetentionDays: 90 })
  })
  afterAll(() => server.close())

  const counts = async () =>
    Object.fromEntries(
      await Promise.all(
        [
          "rampart_users",
          "rampart_refresh_tokens",
          "rampart_partner_sessions",
          "rampart_otp_codes",
          "rampart_outbox",
          "rampart_security_events"
        ]
          .map(async (table) => [table, await countRows(server, table)] as const)
      )
    )
  const eventually = async (probe: () => Promise<boolean>, what: string) => {
    const deadline = Date.now() + 15_000
    while (!(await probe())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(await counts())}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }

  it(
    "31 days of sandbox time later the store has shrunk to its users and events; 91 days later the events go too",
    async () => {
      await call(server.url, "POST", "/sandbox/users", { body: { email: "kept@example.com", password } })
      let token = ""
      for (let i = 0; i < 3; i++) {
        token = (await call(server.url, "POST", "/auth/login", { body: { email: "kept@example.com", password } })).body
          .idToken
      }
      expect((await call(server.url, "GET", "/auth/otp/code?method=EMAIL", { token })).status).toBe(201)
      const access = await newPartnerToken(server.url, "partner@example.com", password)
      const before = await counts()
      expect(before["rampart_refresh_tokens"]).toBeGreaterThanOrEqual(3)
      expect(before["rampart_otp_codes"]).toBe(1)
      expect(before["rampart_outbox"]).toBe(1)
      expect(before["rampart_partner_sessions"]).toBe(1)
      // A revoked session goes at the next round (every 100 ms here), without waiting for its expiry.
      expect((await call(server.url, "POST", "/api/v1/partners/auth/logout", { token: access })).status).toBe(204)
      await eventually(async () => (await counts())["rampart_partner_sessions"] === 0, "the revoked session's prune")
      const events = (await counts())["rampart_security_events"]!
      expect(events).toBeGreaterThan(3)

      expect((await call(server.url, "POST", "/sandbox/clock", { body: { advanceSeconds: 31 * DAY } })).status).toBe(
        200
      )
      await eventually(async () => (await counts())["rampart_refresh_tokens"] === 0, "the 31-day prune")
      expect(await counts()).toEqual({
        rampart_users: before["rampart_users"],
        rampart_refresh_tokens: 0,
        rampart_partner_sessions: 0,
        rampart_otp_codes: 0,
        rampart_outbox: 0,
        rampart_security_events: events // 31 days: within the 90 days of retention
      })
      expect((await call(server.url, "POST", "/sandbox/clock", { body: { advanceSeconds: 60 * DAY } })).status).toBe(
        200
      )
      await eventually(async () => (await counts())["rampart_security_events"] === 0, "the 91-day prune of events")
      expect((await counts())["rampart_users"]).toBe(before["rampart_users"])
    },
    60_000
  )

  it("a user who logs in 105 times keeps the 100 newest refresh tokens live; the oldest are revoked", async () => {
    await call(server.url, "POST", "/sandbox/users", { body: { email: "loop@example.com", password } })
    const tokens: Array<string> = []
    for (let i = 0; i < 105; i++) {
      tokens.push(
        (await call(server.url, "POST", "/auth/login", { body: { email: "loop@example.com", password } })).body
          .refreshToken
      )
    }
    const live = await query<{ n: unknown }>(
      server,
      (sql) =>
        sql`SELECT COUNT(*) AS n FROM rampart_refresh_tokens t JOIN rampart_users u ON u.id = t.user_id
        WHERE u.email = 'loop@example.com' AND t.revoked_at IS NULL`
    )
    expect(Number(live[0]!.n)).toBe(100)
    expect((await call(server.url, "POST", "/auth/login/refresh", { body: { refreshToken: tokens[0] } })).status).toBe(
      403
    )
    expect((await call(server.url, "POST", "/auth/login/refresh", { body: { refreshToken: tokens[104] } })).status)
      .toBe(200)
  }, 120_000)
})
