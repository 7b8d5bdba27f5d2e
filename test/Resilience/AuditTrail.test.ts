/**
 * No audit event is lost (issue 25): a security event is written in the transaction of the change
 * it records, so when the event cannot be stored (here its table is taken away) the request fails
 * with 503 and its change is rolled back — no login without `login.succeeded`, no counted failure
 * without `login.refused` — and a request that changes nothing (a refresh) fails too rather than
 * answering without its event. On SQLite and (when configured) PostgreSQL, over loopback.
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { call } from "../support/Http.js"
import { type RunningServer, startServer } from "../support/Server.js"
import { storeKinds } from "../support/Stores.js"

const password = "audit password 123"

describe.each(storeKinds)("the audit trail on %s", (_kind, fresh) => {
  let server: RunningServer
  beforeAll(async () => {
    server = await startServer(await fresh())
  })
  afterAll(() => server.close())

  const sql = <A>(f: (sql: SqlClient.SqlClient) => Effect.Effect<A, unknown>) =>
    server.runtime.runPromise(Effect.flatMap(SqlClient.SqlClient, f))
  const state = (email: string) =>
    sql((sql) =>
      Effect.map(
        sql<{ tokens: unknown; failures: unknown; logged: unknown; events: unknown }>`SELECT
          (SELECT count(*) FROM rampart_refresh_tokens t WHERE t.user_id = u.id) AS tokens,
          u.password_failures AS failures, u.last_logged_at AS logged,
          (SELECT count(*) FROM rampart_security_events e WHERE e.user_id = u.id) AS events
          FROM rampart_users u WHERE u.email = ${email}`,
        ([row]) => ({
          tokens: Number(row!.tokens),
          failures: Number(row!.failures),
          logged: row!.logged === null ? null : Number(row!.logged),
          events: Number(row!.events)
        })
      )
    )
  const withoutEventsTable = async <A>(body: () => Promise<A>): Promise<A> => {
    await sql((sql) => sql`ALTER TABLE rampart_security_events RENAME TO security_events_gone`)
    try {
      return await body()
    } finally {
      await sql((sql) => sql`ALTER TABLE security_events_gone RENAME TO rampart_security_events`)
    }
  }

  it("an event that cannot be stored fails its request with 503 and rolls its change back", async () => {
    const email = `audit-${Date.now()}@example.com`
    expect((await call(server.url, "POST", "/sandbox/users", { body: { email, password } })).status).toBe(201)
    const login = await call(server.url, "POST", "/auth/login", { body: { email, password } })
    expect(login.status).toBe(200)
    const before = await state(email)
    expect(before).toMatchObject({ tokens: 1, failures: 0, events: 1 })

    const answers = await withoutEventsTable(async () => ({
      login: await call(server.url, "POST", "/auth/login", { body: { email, password } }),
      wrong: await call(server.url, "POST", "/auth/login", { body: { email, password: "not the password" } }),
      refresh: await call(server.url, "POST", "/auth/login/refresh", {
        body: { refreshToken: login.body.refreshToken }
      })
    }))
    for (const answer of Object.values(answers)) {
      expect(answer).toEqual({
        status: 503,
        body: { _tag: "ServiceUnavailable", message: "The store is unavailable; nothing was changed. Retry later." }
      })
    }
    // Nothing changed: no new refresh token, no new login date, no failure counted.
    expect(await state(email)).toEqual(before)

    // With the table back, each change comes with its event again.
    expect((await call(server.url, "POST", "/auth/login", { body: { email, password } })).status).toBe(200)
    expect((await call(server.url, "POST", "/auth/login", { body: { email, password: "wrong again" } })).status)
      .toBe(403)
    const after = await state(email)
    expect(after).toMatchObject({ tokens: 2, failures: 1, events: 3 })
    const types = await sql((sql) =>
      sql<{ type: string }>`SELECT e.type FROM rampart_security_events e JOIN rampart_users u ON u.id = e.user_id
        WHERE u.email = ${email} ORDER BY e.id`
    )
    expect(types.map((row) => row.type)).toEqual(["login.succeeded", "login.succeeded", "login.refused"])
  })
})
