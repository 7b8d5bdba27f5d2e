/**
 * SPEC "security_code: the partner's current TOTP code ... a code is accepted at most once"
 * under concurrency (issue 5, item 8): one `security_code` used by ten concurrent partner logins
 * yields exactly one session — over real HTTP and at service level, on SQLite and (when
 * configured) PostgreSQL.
 */
import { SqlClient } from "@effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Either, Redacted } from "effect"
import { Partners } from "../../src/Server/Partners/Partners.js"
import { Sandbox } from "../../src/Server/Sandbox/Sandbox.js"
import { countRows, tally, totpWall } from "../support/Concurrency.js"
import { call } from "../support/Http.js"
import { type RunningServer, startServer } from "../support/Server.js"
import { onFreshStore, partnerLoginRequest, startClock, totpNow } from "../support/Services.js"
import { storeKinds } from "../support/Stores.js"

const password = "partner race password"
let counter = 0

describe.each(storeKinds)("one security_code, ten concurrent partner logins over HTTP on %s", (_kind, fresh) => {
  let server: RunningServer
  const http = (method: string, path: string, options?: Parameters<typeof call>[3]) =>
    call(server.url, method, path, options)

  beforeAll(async () => {
    server = await startServer(await fresh())
  })
  afterAll(() => server.close())

  it("exactly one 200, nine 401 InvalidOtp, one row in partner_sessions; the client is not locked", async () => {
    const email = `partner${counter++}-${Date.now().toString(36)}@example.com`
    const creds = (await http("POST", "/sandbox/partners", { body: { email, password } })).body
    const body = (security_code: string) => ({
      email,
      password,
      client_id: creds.client_id,
      client_secret: creds.client_secret,
      security_code
    })
    const code = totpWall(creds.totp_secret)
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => http("POST", "/api/v1/partners/auth/login", { body: body(code) }))
    )
    expect(tally(answers)).toEqual({ "200": 1, "401 InvalidOtp": 9 })
    expect(await countRows(server, "rampart_partner_sessions", ["client_id", creds.client_id])).toBe(1)
    const winner = answers.find((a) => a.status === 200)!
    expect((await http("POST", "/api/v1/partners/auth/logout", { token: winner.body.access_token })).status).toBe(204)
    // nine failures are below the 10-failure lock: the next step's code logs in
    const next = await http("POST", "/api/v1/partners/auth/login", { body: body(totpWall(creds.totp_secret, 1)) })
    expect(next.status).toBe(200)
    expect(await countRows(server, "rampart_partner_sessions", ["client_id", creds.client_id])).toBe(2)
  })
})

describe.each(storeKinds)("one security_code, ten concurrent partner logins at service level on %s", (_kind, fresh) => {
  const run = onFreshStore(fresh)

  it.effect("exactly one session", () =>
    run(
      Effect.gen(function*() {
        yield* startClock
        const partners = yield* Partners
        const creds = yield* (yield* Sandbox).createPartner("race@example.com", Redacted.make(password))
        const code = yield* totpNow(creds.totp_secret)
        const request = partnerLoginRequest("race@example.com", password, creds, code)
        const results = yield* Effect.all(
          Array.from({ length: 10 }, () => Effect.either(partners.login(request))),
          { concurrency: "unbounded" }
        )
        expect(results.filter(Either.isRight)).toHaveLength(1)
        expect(results.filter(Either.isLeft).map((r) => r.left._tag)).toEqual(Array(9).fill("InvalidOtp"))
        const sql = yield* SqlClient.SqlClient
        const rows = yield* sql<{ n: unknown }>`SELECT COUNT(*) AS n FROM rampart_partner_sessions`
        expect(Number(rows[0]!.n)).toBe(1)
      })
    ))
})
