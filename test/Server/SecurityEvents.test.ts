/**
 * Security events (issue 14): every flow over real HTTP publishes its events, `GET /sandbox/events`
 * answers them oldest first with `after` paging and a cap, no stored event holds a password, code,
 * token or secret, and an embedder without HTTP receives the typed events from `SecurityEvents`.
 * Runs on SQLite, and on PostgreSQL when RAMPART_TEST_DATABASE_URL is set.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Queue, Redacted } from "effect"
import { MAX_EVENTS_PER_PAGE, SecurityEvent } from "../../src/index.js"
import { Accounts, OtpChallenges, RequestOrigin, SecurityEvents } from "../../src/server.js"
import { otherCode, query, totpWall } from "../support/Concurrency.js"
import { call } from "../support/Http.js"
import { type RunningServer, startServer } from "../support/Server.js"
import { newUser, onFreshStore, userIdOf } from "../support/Services.js"
import { storeKinds } from "../support/Stores.js"

/** The `User-Agent` every request of this file sends, expected back as each event's `device`. */
const DEVICE = "rampart-events-test/1.0"

/** An event as `GET /sandbox/events` answers it. */
interface EventJson {
  readonly id: number
  readonly at: string
  readonly type: string
  readonly userId?: string
  readonly clientId?: number
  readonly channel?: string
  readonly ip?: string
  readonly device?: string
  readonly reason?: string
}

let counter = 0
const newEmail = () => `events${Date.now().toString(36)}${counter++}@example.com`
const password = "events password 123"
/** The `sub` of an idToken. */
const subOf = (idToken: string): string => JSON.parse(Buffer.from(idToken.split(".")[1]!, "base64url").toString()).sub
/** A Spanish mobile number no other test uses. */
const newPhone = () => `6${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`

describe.each(storeKinds)("security events over HTTP on %s", (_kind, fresh) => {
  let server: RunningServer
  /** Every secret the flows below handled: none may appear in a stored event. */
  const secrets = new Set<string>([password])

  const http = async (method: string, path: string, options: Parameters<typeof call>[3] = {}) =>
    call(server.url, method, path, { ...options, headers: { "user-agent": DEVICE, ...options.headers } })

  /** One page of events after `after` (all from the start without it). */
  const page = async (after?: number): Promise<ReadonlyArray<EventJson>> => {
    const answer = await http("GET", after === undefined ? "/sandbox/events" : `/sandbox/events?after=${after}`)
    expect(answer.status).toBe(200)
    return answer.body
  }

  /** Every event after `after`, page by page. */
  const eventsAfter = async (after: number): Promise<ReadonlyArray<EventJson>> => {
    const all: Array<EventJson> = []
    for (let next = await page(after); next.length > 0; next = await page(all[all.length - 1]!.id)) {
      for (const event of next) all.push(event)
      if (next.length < MAX_EVENTS_PER_PAGE) break
    }
    return all
  }

  /** The id of the newest event (0 when there is none). */
  const latest = async () => (await eventsAfter(0)).at(-1)?.id ?? 0

  /** The events `flow` caused, checked for increasing ids and the caller's IP and device. */
  const eventsOf = async (flow: () => Promise<void>): Promise<ReadonlyArray<EventJson>> => {
    const mark = await latest()
    await flow()
    const events = await eventsAfter(mark)
    for (const [i, event] of events.entries()) {
      if (i > 0) expect(event.id).toBeGreaterThan(events[i - 1]!.id)
      expect(event.ip).toContain("127.0.0.1")
      expect(event.device).toBe(DEVICE)
      expect(Date.parse(event.at)).not.toBeNaN()
    }
    return events
  }

  /** A new user, logged in: its email, id and tokens. */
  const loggedIn = async () => {
    const email = newEmail()
    expect((await http("POST", "/sandbox/users", { body: { email, password } })).status).toBe(201)
    const login = await http("POST", "/auth/login", { body: { email, password } })
    expect(login.status).toBe(200)
    secrets.add(login.body.idToken).add(login.body.refreshToken)
    return {
      email,
      userId: subOf(login.body.idToken),
      idToken: login.body.idToken as string,
      refreshToken: login.body.refreshToken as string
    }
  }

  /** A new sandbox partner: its email, client credentials and TOTP secret. */
  const newPartner = async () => {
    const email = newEmail()
    const created = await http("POST", "/sandbox/partners", { body: { email, password } })
    expect(created.status).toBe(201)
    const creds = created.body as { client_id: number; client_secret: string; totp_secret: string }
    secrets.add(creds.client_secret).add(creds.totp_secret)
    return { email, ...creds }
  }

  /** A TOTP code (remembered as a secret). */
  const totp = (secret: string, offsetSteps = 0) => {
    const code = totpWall(secret, offsetSteps)
    secrets.add(code)
    return code
  }

  /** The newest code delivered to `to` (remembered as a secret). */
  const delivered = async (to: string) => {
    const code = (await http("GET", `/sandbox/outbox?to=${encodeURIComponent(to)}`)).body[0].code as string
    secrets.add(code)
    return code
  }

  beforeAll(async () => {
    server = await startServer(await fresh())
  })
  afterAll(() => server.close())

  const loginAndRefresh = async () => {
    const user = await loggedIn()
    expect((await http("POST", "/auth/login", { body: { email: user.email, password: "not the password" } })).status)
      .toBe(403)
    expect((await http("POST", "/auth/login", { body: { email: newEmail(), password } })).status).toBe(403)
    const refreshed = await http("POST", "/auth/login/refresh", { body: { refreshToken: user.refreshToken } })
    expect(refreshed.status).toBe(200)
    secrets.add(refreshed.body.idToken)
    expect((await http("POST", "/auth/login/refresh", { body: { refreshToken: "x".repeat(43) } })).status).toBe(403)
    return user
  }

  it("login and refresh: succeeded and refused, naming the user when the account is known", async () => {
    let userId = ""
    const events = await eventsOf(async () => {
      userId = (await loginAndRefresh()).userId
    })
    expect(events.map((e) => e.type)).toEqual([
      "login.succeeded",
      "login.refused",
      "login.refused",
      "refresh.succeeded",
      "refresh.refused"
    ])
    const [succeeded, wrongPassword, unknownEmail, refreshed, refused] = events
    expect(succeeded).toMatchObject({ userId })
    expect(succeeded!.reason).toBeUndefined()
    expect(wrongPassword).toMatchObject({ userId, reason: "AuthError" })
    expect(unknownEmail).toMatchObject({ reason: "AuthError" })
    expect(unknownEmail!.userId).toBeUndefined()
    expect(refreshed).toMatchObject({ userId })
    expect(refused).toMatchObject({ reason: "AuthError" })
    expect(refused!.userId).toBeUndefined()
  })

  it("concurrent refreshes (one group commit): every answered refresh has its own refresh.succeeded row", async () => {
    const user = await loggedIn()
    const events = await eventsOf(async () => {
      const answers = await Promise.all(
        Array.from(
          { length: 24 },
          () => http("POST", "/auth/login/refresh", { body: { refreshToken: user.refreshToken } })
        )
      )
      expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200))
      for (const answer of answers) secrets.add(answer.body.idToken)
    })
    expect(events.filter((e) => e.type === "refresh.succeeded" && e.userId === user.userId)).toHaveLength(24)
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length)
  })

  const emailAndSmsCodes = async () => {
    const user = await loggedIn()
    const phone = newPhone()
    expect((await http("GET", "/auth/otp/code?method=EMAIL", { token: user.idToken })).status).toBe(201)
    const code = await delivered(user.email)
    const verify = (channel: string, otp: string) =>
      http("POST", "/auth/otp/code", { body: { channel }, token: user.idToken, headers: { "x-otp": otp } })
    expect((await verify("EMAIL", otherCode(code))).status).toBe(401)
    expect((await verify("EMAIL", code)).status).toBe(200)
    const added = await http("POST", "/auth/otp/methods/sms", { body: { phone, country: "ES" }, token: user.idToken })
    expect(added.status).toBe(200)
    expect((await verify("SMS", await delivered(`+34${phone}`))).status).toBe(200)
    return user
  }

  it("EMAIL and SMS codes: otp.sent, otp.refused and otp.verified with the channel", async () => {
    let userId = ""
    const events = await eventsOf(async () => {
      userId = (await emailAndSmsCodes()).userId
    })
    expect(events.map((e) => [e.type, e.channel])).toEqual([
      ["login.succeeded", undefined],
      ["otp.sent", "EMAIL"],
      ["otp.refused", "EMAIL"],
      ["otp.verified", "EMAIL"],
      ["otp.sent", "SMS"],
      ["otp.verified", "SMS"]
    ])
    for (const event of events) expect(event.userId).toBe(userId)
    expect(events[2]!.reason).toBe("InvalidOtp")
  })

  const totpLifecycle = async () => {
    const user = await loggedIn()
    const created = await http("POST", "/auth/otp/methods/totp", { body: {}, token: user.idToken })
    expect(created.status).toBe(200)
    const secret = created.body.totp.secret as string
    secrets.add(secret)
    const code = totp(secret)
    const validated = await http("POST", "/auth/otp/code", {
      body: { channel: "TOTP" },
      token: user.idToken,
      headers: { "x-otp": code }
    })
    expect(validated.status).toBe(200)
    const remove = (otp: string) =>
      http("DELETE", "/auth/otp/methods/totp", { token: user.idToken, headers: { "x-otp": otp } })
    expect((await remove(code)).body._tag).toBe("InvalidOtp") // the step just used: a replay
    expect((await remove(otherCode(code))).body._tag).toBe("InvalidOtp") // simply wrong
    expect((await remove(totp(secret, 1))).status).toBe(200)
    return user
  }

  it("TOTP: created, validated, a replayed code told apart from a wrong one, deleted", async () => {
    let userId = ""
    const events = await eventsOf(async () => {
      userId = (await totpLifecycle()).userId
    })
    expect(events.map((e) => [e.type, e.reason])).toEqual([
      ["login.succeeded", undefined],
      ["totp.created", undefined],
      ["totp.validated", undefined],
      ["otp.refused", "InvalidOtp"],
      ["totp.replayed", undefined],
      ["otp.refused", "InvalidOtp"],
      ["totp.deleted", undefined]
    ])
    for (const event of events) expect(event.userId).toBe(userId)
    for (const event of events.slice(1)) expect(event.channel).toBe("TOTP")
  })

  const partnerTour = async () => {
    const partner = await newPartner()
    const login = (overrides: Record<string, unknown> = {}, code = totp(partner.totp_secret)) =>
      http("POST", "/api/v1/partners/auth/login", {
        body: {
          email: partner.email,
          password,
          client_id: partner.client_id,
          client_secret: partner.client_secret,
          security_code: code,
          ...overrides
        }
      })
    const code = totp(partner.totp_secret)
    const session = await login({}, code)
    expect(session.status).toBe(200)
    secrets.add(session.body.access_token)
    expect((await login({}, code)).body._tag).toBe("InvalidOtp") // the same security code again
    expect((await http("POST", "/api/v1/partners/auth/logout", { token: session.body.access_token })).status).toBe(204)
    // The replay counted once against the client: 9 more failures lock it, the 10th is refused while locked.
    for (let i = 0; i < 10; i++) expect((await login({ client_secret: "wrong secret" })).status).toBe(403)
    expect((await login()).body._tag).toBe("AttemptsExhausted")
    return partner
  }

  it("partners: login, a replayed security code, logout, the failure that locks the client", async () => {
    let partner = { client_id: 0 }
    const events = await eventsOf(async () => {
      partner = await partnerTour()
    })
    expect(events.map((e) => [e.type, e.reason])).toEqual([
      ["partner.login", undefined],
      ["partner.refused", "InvalidOtp"],
      ["totp.replayed", undefined],
      ["partner.logout", undefined],
      ...Array.from({ length: 9 }, () => ["partner.refused", "AuthError"]),
      ["partner.locked", undefined],
      ["partner.refused", "AuthError"],
      ["partner.refused", "AttemptsExhausted"]
    ])
    const userId = events[0]!.userId
    expect(userId).toMatch(/^[0-9a-f-]{36}$/)
    for (const event of events) expect(event).toMatchObject({ clientId: partner.client_id, userId })
  })

  const passwordLock = async () => {
    const user = await loggedIn()
    for (let i = 0; i < 10; i++) {
      expect((await http("POST", "/auth/login", { body: { email: user.email, password: `wrong ${i}` } })).status).toBe(
        403
      )
    }
    expect((await http("POST", "/auth/login", { body: { email: user.email, password } })).status).toBe(403)
    return user
  }

  it("wrong passwords: the 10th publishes login.locked; a login during the lock is refused", async () => {
    let userId = ""
    const events = await eventsOf(async () => {
      userId = (await passwordLock()).userId
    })
    expect(events.map((e) => e.type)).toEqual([
      "login.succeeded",
      ...Array.from({ length: 10 }, () => "login.refused"),
      "login.locked",
      "login.refused"
    ])
    for (const event of events) expect(event.userId).toBe(userId)
  })

  const otpLock = async () => {
    const user = await loggedIn()
    const verify = () =>
      http("POST", "/auth/otp/code", {
        body: { channel: "EMAIL" },
        token: user.idToken,
        headers: { "x-otp": "000000" }
      })
    for (let i = 0; i < 10; i++) expect((await verify()).body._tag).toBe("InvalidOtp")
    expect((await verify()).body._tag).toBe("AttemptsExhausted")
    return user
  }

  it("wrong codes: the 10th publishes otp.locked; a verification during the lock is refused", async () => {
    let userId = ""
    const events = await eventsOf(async () => {
      userId = (await otpLock()).userId
    })
    expect(events.map((e) => [e.type, e.reason])).toEqual([
      ["login.succeeded", undefined],
      ...Array.from({ length: 10 }, () => ["otp.refused", "InvalidOtp"]),
      ["otp.locked", undefined],
      ["otp.refused", "AttemptsExhausted"]
    ])
    for (const event of events.slice(1)) expect(event).toMatchObject({ userId, channel: "EMAIL" })
  })

  it(`answers at most ${MAX_EVENTS_PER_PAGE} events a page, oldest first; after pages on; bad after is a 400`, async () => {
    const refused = () => http("POST", "/auth/login/refresh", { body: { refreshToken: "y".repeat(43) } })
    for (let i = 0; i < MAX_EVENTS_PER_PAGE + 10; i += 10) await Promise.all(Array.from({ length: 10 }, refused))
    const first = await page()
    expect(first).toHaveLength(MAX_EVENTS_PER_PAGE)
    for (let i = 1; i < first.length; i++) expect(first[i]!.id).toBeGreaterThan(first[i - 1]!.id)
    const second = await page(first.at(-1)!.id)
    expect(second.length).toBeGreaterThan(0)
    expect(second[0]!.id).toBeGreaterThan(first.at(-1)!.id)
    const all = await eventsAfter(0)
    expect(all.slice(0, MAX_EVENTS_PER_PAGE)).toEqual(first)
    expect(all.filter((e) => e.type === "refresh.refused").length).toBeGreaterThanOrEqual(MAX_EVENTS_PER_PAGE + 10)
    expect(await page(all.at(-1)!.id)).toEqual([])
    for (const bad of ["-1", "1.5", "abc"]) {
      const answer = await http("GET", `/sandbox/events?after=${bad}`)
      expect(answer.status).toBe(400)
      expect(answer.body.message).toContain("after")
    }
  })

  it("after a full tour, no stored event holds a password, code, token, client secret or TOTP secret", async () => {
    const mark = await latest()
    await loginAndRefresh()
    await emailAndSmsCodes()
    await totpLifecycle()
    await partnerTour()
    await passwordLock()
    await otpLock()
    const types = new Set((await eventsAfter(mark)).map((e) => e.type))
    for (const type of ["login.locked", "otp.locked", "totp.replayed", "partner.login", "partner.logout", "otp.sent"]) {
      expect(types).toContain(type)
    }
    const rows = await query(server, (sql) => sql`SELECT * FROM rampart_security_events`)
    const json = JSON.stringify(await eventsAfter(0))
    expect(secrets.size).toBeGreaterThan(20)
    for (const secret of secrets) {
      expect(json.includes(secret), `"${secret}" in GET /sandbox/events`).toBe(false)
      for (const row of rows) {
        for (const [column, value] of Object.entries(row)) {
          // id, at and client_id are numbers (strings of digits on PostgreSQL): no secret is a number of theirs.
          if (column === "id" || column === "at" || column === "client_id") continue
          expect(String(value).includes(secret), `"${secret}" in security_events.${column}`).toBe(false)
        }
      }
    }
    for (const row of rows) {
      expect(Object.keys(row).sort()).toEqual([
        "at",
        "channel",
        "client_id",
        "device",
        "id",
        "ip",
        "reason",
        "type",
        "user_id"
      ])
      expect(Number.isSafeInteger(Number(row["at"])) && Number.isSafeInteger(Number(row["id"]))).toBe(true)
    }
  })
})

describe.each(storeKinds)("security events for embedders on %s", (_kind, fresh) => {
  it.effect("a subscriber receives the typed events of a login without HTTP, with the origin it provides", () =>
    onFreshStore(fresh)(
      Effect.gen(function*() {
        const events = yield* SecurityEvents
        const received = yield* events.subscribe
        const { email, password: secret } = yield* newUser()
        const accounts = yield* Accounts
        yield* accounts.login(email, Redacted.make(secret), null).pipe(
          Effect.provideService(RequestOrigin, { ip: "10.1.2.3", device: "billing-service/1.0" })
        )
        yield* Effect.flip(accounts.login(email, Redacted.make("wrong password"), null))
        const userId = yield* userIdOf(email)
        yield* (yield* OtpChallenges).request(userId, "EMAIL")
        const [succeeded, refused, sent] = [
          yield* Queue.take(received),
          yield* Queue.take(received),
          yield* Queue.take(received)
        ]
        expect(succeeded).toBeInstanceOf(SecurityEvent)
        expect(succeeded).toMatchObject({
          type: "login.succeeded",
          userId,
          ip: "10.1.2.3",
          device: "billing-service/1.0"
        })
        expect(refused).toMatchObject({ type: "login.refused", userId, reason: "AuthError" })
        expect(refused!.ip).toBeUndefined()
        expect(sent).toMatchObject({ type: "otp.sent", userId, channel: "EMAIL" })
        expect(sent!.id).toBeGreaterThan(refused!.id)
        expect(yield* events.after(0, 10)).toEqual([succeeded, refused, sent])
      }).pipe(Effect.scoped)
    ))
})
