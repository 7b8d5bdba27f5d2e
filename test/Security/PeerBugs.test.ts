/**
 * The known bugs that shipped in peer libraries, as Rampart's regression tests (issue 12, item 9).
 * One `describe` per bug, named after it as in `docs/security.md` ("Peers' known bugs, as
 * regression tests"); each test fails if Rampart grew that bug. HTTP tests use the in-process
 * server under the real clock; where time must pass, the tests run on the domain services under
 * `TestClock`. Everything runs on SQLite, and on PostgreSQL when RAMPART_TEST_DATABASE_URL is set.
 */
import { SqlClient } from "@effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Either, Redacted, TestClock } from "effect"
import type { YieldWrap } from "effect/Utils"
import { OtpChallenges } from "../../src/Server/Otp/OtpChallenges.js"
import { Partners } from "../../src/Server/Partners/Partners.js"
import { Sandbox } from "../../src/Server/Sandbox/Sandbox.js"
import { countRows, otherCode, query, tally, totpWall } from "../support/Concurrency.js"
import { type Answer, call, newUserToken } from "../support/Http.js"
import { type RunningServer, startServer } from "../support/Server.js"
import {
  lastCode,
  onFreshStore,
  partnerLoginRequest,
  startClock,
  totpNow,
  userWithEmailCode,
  userWithTotp
} from "../support/Services.js"
import { storeKinds } from "../support/Stores.js"

const password = "peer bugs password 1"
let counter = 0
const uniqueEmail = (prefix: string) => `${prefix}${counter++}-${Date.now().toString(36)}@example.com`
const seconds = (n: number) => TestClock.adjust(`${n} seconds`)
const minutes = (n: number) => TestClock.adjust(`${n} minutes`)
/** What a refused code answers over HTTP. */
const invalidOtp = { status: 401, body: { _tag: "InvalidOtp" } }

/** Runs the body of an `Effect.gen` on the services over a fresh store, with the TestClock at `T0`. */
const atT0OnFreshStore = (fresh: () => Promise<string>) => {
  const run = onFreshStore(fresh)
  return <Eff extends YieldWrap<Effect.Effect<any, any, any>>, A>(body: () => Generator<Eff, A, never>) =>
    run(Effect.zipRight(startClock, Effect.gen(body)))
}

/** A `describe.each` over the store kinds, titled `title` (with `%s` for the kind), whose `body` gets `atT0` on a fresh store. */
const eachStoreAtT0 = (title: string, body: (atT0: ReturnType<typeof atT0OnFreshStore>) => void) =>
  describe.each(storeKinds)(title, (_kind, fresh) => body(atT0OnFreshStore(fresh)))

/** Starts one in-process server on a fresh store for the enclosing `describe`; returns HTTP helpers over it. */
const serverFor = (fresh: () => Promise<string>) => {
  let server: RunningServer | undefined
  beforeAll(async () => {
    server = await startServer(await fresh())
  })
  afterAll(() => server?.close())
  const current = () => server!
  const http = (method: string, path: string, options?: Parameters<typeof call>[3]) =>
    call(current().url, method, path, options)

  /** A new user signed up and logged in: its email and idToken. */
  const signedUp = async (prefix: string) => {
    const email = uniqueEmail(prefix)
    return { email, idToken: await newUserToken(current().url, email, password) }
  }
  /** A logged-in user with a new (unvalidated) TOTP secret. */
  const enrolled = async () => {
    const { email, idToken } = await signedUp("peer")
    const secret = (await http("POST", "/auth/otp/methods/totp", { body: {}, token: idToken })).body.totp
      .secret as string
    return { email, idToken, secret }
  }
  /** `POST /auth/otp/code` on `channel` with `code` in x-otp. */
  const verify = (idToken: string, channel: "EMAIL" | "SMS" | "TOTP", code: string) =>
    http("POST", "/auth/otp/code", { body: { channel }, token: idToken, headers: { "x-otp": code } })
  /** `DELETE /auth/otp/methods/totp` with `code` in x-otp. */
  const removeTotp = (idToken: string, code: string) =>
    http("DELETE", "/auth/otp/methods/totp", { token: idToken, headers: { "x-otp": code } })
  /** A sandbox partner: its email, credentials and a partner login with a given security_code. */
  const partner = async () => {
    const email = uniqueEmail("partner")
    const created = await http("POST", "/sandbox/partners", { body: { email, password } })
    expect(created.status).toBe(201)
    const creds = created.body as { client_id: number; client_secret: string; totp_secret: string }
    const login = (security_code: string): Promise<Answer> =>
      http("POST", "/api/v1/partners/auth/login", {
        body: { email, password, client_id: creds.client_id, client_secret: creds.client_secret, security_code }
      })
    return { email, creds, login }
  }
  /** The security columns of the user with `email`. */
  const userRow = async (email: string) =>
    (await query<
      {
        totp_secret: unknown
        totp_verified_at: unknown
        otp_failures: unknown
        otp_locked_until: unknown
        email_verified_at: unknown
        phone_verified_at: unknown
      }
    >(
      current(),
      (sql) =>
        sql`SELECT totp_secret, totp_verified_at, otp_failures, otp_locked_until, email_verified_at, phone_verified_at
            FROM rampart_users WHERE email = ${email}`
    ))[0]!
  return { current, http, signedUp, enrolled, verify, removeTotp, partner, userRow }
}

/** A partner login request at service level for `creds`, with `security_code` (and optionally a wrong client secret). */
const partnerRequest = (
  email: string,
  creds: { readonly client_id: number; readonly client_secret: string },
  security_code: string,
  clientSecret?: string
) => partnerLoginRequest(email, password, creds, security_code, clientSecret)

describe("better-auth #10387: a TOTP code accepted twice", () => {
  describe.each(storeKinds)("over HTTP on %s", (_kind, fresh) => {
    const { partner, current } = serverFor(fresh)

    it("a security_code logs a partner in once: a second login with it is 401 InvalidOtp, the next step's code logs in", async () => {
      const p = await partner()
      const code = totpWall(p.creds.totp_secret)
      expect((await p.login(code)).status).toBe(200)
      expect(await p.login(code)).toMatchObject(invalidOtp)
      expect(await countRows(current(), "rampart_partner_sessions", ["client_id", p.creds.client_id])).toBe(1)
      // the refusal was about the code, not the partner: a later step's code still logs in
      expect((await p.login(totpWall(p.creds.totp_secret, 1))).status).toBe(200)
      expect(await countRows(current(), "rampart_partner_sessions", ["client_id", p.creds.client_id])).toBe(2)
    })

    it("after a code of step S is accepted, the code of step S−1 (still inside the window) is refused", async () => {
      const p = await partner()
      const previous = totpWall(p.creds.totp_secret, -1)
      const now = totpWall(p.creds.totp_secret)
      expect((await p.login(now)).status).toBe(200)
      expect(await p.login(previous)).toMatchObject(invalidOtp)
      expect((await p.login(totpWall(p.creds.totp_secret, 1))).status).toBe(200)
    })
  })
})

describe("better-auth #11162: a resend that resets the per-code or account counter", () => {
  eachStoreAtT0("services under TestClock on %s", (atT0) => {
    it.effect("wrong tries spread over two resends still lock at the 10th (5 + 4 + 1); the right third code is refused", () =>
      atT0(function*() {
        const otp = yield* OtpChallenges
        const { email, userId, code: first } = yield* userWithEmailCode // t = 0
        for (let i = 0; i < 5; i++) {
          expect((yield* Effect.flip(otp.verify(userId, "EMAIL", otherCode(first, 1 + i))))._tag).toBe("InvalidOtp")
        }
        // a fresh code is not available at once after a batch of wrong tries
        expect(yield* Effect.flip(otp.request(userId, "EMAIL"))).toMatchObject({
          _tag: "AttemptsExhausted",
          retryAfterSeconds: 60
        })
        yield* seconds(60)
        yield* otp.request(userId, "EMAIL") // t = 60: the first resend
        const second = yield* lastCode(email)
        for (let i = 0; i < 4; i++) {
          expect((yield* Effect.flip(otp.verify(userId, "EMAIL", otherCode(second, 1 + i))))._tag).toBe("InvalidOtp")
        }
        yield* seconds(60)
        yield* otp.request(userId, "EMAIL") // t = 120: the second resend
        const third = yield* lastCode(email)
        // the tenth consecutive failure: had either resend reset the count, this would be the 1st or 5th
        expect((yield* Effect.flip(otp.verify(userId, "EMAIL", otherCode(third))))._tag).toBe("InvalidOtp")
        expect(yield* Effect.flip(otp.verify(userId, "EMAIL", third))).toMatchObject({
          _tag: "AttemptsExhausted",
          retryAfterSeconds: 15 * 60
        })
      }))

    it.effect("a resend does not give a dead code new tries: the first code, dead after 5 wrong tries, stays refused", () =>
      atT0(function*() {
        const otp = yield* OtpChallenges
        const sql = yield* SqlClient.SqlClient
        const { email, userId, code: first } = yield* userWithEmailCode
        for (let i = 0; i < 5; i++) yield* Effect.flip(otp.verify(userId, "EMAIL", otherCode(first, 1 + i)))
        expect((yield* Effect.flip(otp.verify(userId, "EMAIL", first)))._tag).toBe("InvalidOtp") // the 6th try
        yield* seconds(60)
        yield* otp.request(userId, "EMAIL")
        const second = yield* lastCode(email)
        // A resend that re-sent the first code with its tries reset would accept it here. (A new
        // random code equal to the first, one chance in a million, would too.)
        expect((yield* Effect.flip(otp.verify(userId, "EMAIL", first)))._tag).toBe("InvalidOtp")
        const rows = yield* sql<{ attempts: unknown }>`SELECT attempts FROM rampart_otp_codes WHERE user_id = ${userId}
            ORDER BY created_at`
        expect(Number(rows[0]!.attempts)).toBe(5)
        // 7 failures so far (< 10): the resent code, and only it, verifies
        expect((yield* otp.verify(userId, "EMAIL", second)).hasValidatedEmail).toBe(true)
      }))
  })
})

describe("supabase/auth #2819: no cap of tries per code", () => {
  describe.each(storeKinds)("over HTTP on %s", (_kind, fresh) => {
    const { http, current, signedUp, verify, userRow } = serverFor(fresh)
    const attemptsOf = async (email: string, channel: string) =>
      Number(
        (
          await query<{ attempts: unknown }>(
            current(),
            (sql) =>
              sql`SELECT c.attempts FROM rampart_otp_codes c JOIN rampart_users u ON u.id = c.user_id
                WHERE u.email = ${email} AND c.channel = ${channel}`
          )
        )[0]!.attempts
      )
    /** The first code the sandbox delivered to `to`. */
    const deliveredCode = async (to: string) =>
      ((await http("GET", `/sandbox/outbox?to=${encodeURIComponent(to)}`)).body as Array<{ code: string }>)[0]!.code
    /** Five wrong codes then the right `code` on `channel`, each 401 InvalidOtp, leave 5 attempts on the code; returns the user's row. */
    const sixTries = async (user: { email: string; idToken: string }, channel: "EMAIL" | "SMS", code: string) => {
      for (let i = 0; i < 5; i++) {
        expect(await verify(user.idToken, channel, otherCode(code, 1 + i))).toMatchObject(invalidOtp)
      }
      expect(await verify(user.idToken, channel, code)).toMatchObject(invalidOtp)
      expect(await attemptsOf(user.email, channel)).toBe(5)
      return userRow(user.email)
    }

    it("an EMAIL code dies after 5 wrong tries: the right code, as the 6th try, is 401 InvalidOtp and the email stays unverified", async () => {
      const user = await signedUp("cap")
      expect((await http("GET", "/auth/otp/code?method=EMAIL", { token: user.idToken })).status).toBe(201)
      const row = await sixTries(user, "EMAIL", await deliveredCode(user.email))
      expect(row.email_verified_at).toBeNull()
      // six failures are below the account lock: the per-code cap refused the right code
      expect(row.otp_locked_until).toBeNull()
    })

    it("an SMS code dies after 5 wrong tries: the right code, as the 6th try, is 401 InvalidOtp and the phone stays unverified", async () => {
      const user = await signedUp("capsms")
      const sms = { body: { phone: "612345678", country: "ES" }, token: user.idToken }
      expect((await http("POST", "/auth/otp/methods/sms", sms)).status).toBe(200)
      const row = await sixTries(user, "SMS", await deliveredCode("+34612345678"))
      expect(row.phone_verified_at).toBeNull()
      expect(row.otp_locked_until).toBeNull()
    })
  })
})

describe("Keycloak #26177: guessing that resumes after a lockout ends", () => {
  eachStoreAtT0("services under TestClock on %s", (atT0) => {
    it.effect("the EMAIL code under attack when the lock starts is dead when the lock ends: the right code is refused after 15 minutes", () =>
      atT0(function*() {
        const otp = yield* OtpChallenges
        const { email, userId, secret } = yield* userWithTotp
        // nine failures on TOTP, then one on a fresh EMAIL code (which keeps 4 of its 5 tries)
        for (let i = 0; i < 9; i++) yield* Effect.flip(otp.verify(userId, "TOTP", otherCode(yield* totpNow(secret))))
        yield* otp.request(userId, "EMAIL")
        const code = yield* lastCode(email)
        expect((yield* Effect.flip(otp.verify(userId, "EMAIL", otherCode(code))))._tag).toBe("InvalidOtp")
        expect(yield* Effect.flip(otp.verify(userId, "EMAIL", code))).toMatchObject({
          _tag: "AttemptsExhausted",
          retryAfterSeconds: 900
        })
        yield* minutes(15)
        // the lock is over, and so is the code (5-minute life): guessing cannot pick it up again
        expect((yield* Effect.flip(otp.verify(userId, "EMAIL", code)))._tag).toBe("InvalidOtp")
        yield* otp.request(userId, "EMAIL")
        expect((yield* otp.verify(userId, "EMAIL", yield* lastCode(email))).hasValidatedEmail).toBe(true)
      }))

    it.effect("after the lock ends guessing has the same budget: tries during the lock do not count, the 10th failure after it locks again", () =>
      atT0(function*() {
        const otp = yield* OtpChallenges
        const { userId, secret } = yield* userWithTotp
        const guess = Effect.flatMap(
          totpNow(secret),
          (code) => Effect.flip(otp.verify(userId, "TOTP", otherCode(code)))
        )
        for (let i = 0; i < 10; i++) expect((yield* guess)._tag).toBe("InvalidOtp")
        for (let i = 0; i < 5; i++) expect((yield* guess)._tag).toBe("AttemptsExhausted")
        expect((yield* Effect.flip(otp.verify(userId, "TOTP", yield* totpNow(secret))))._tag).toBe("AttemptsExhausted")
        yield* minutes(15)
        for (let i = 0; i < 10; i++) expect((yield* guess)._tag).toBe("InvalidOtp")
        expect(yield* Effect.flip(otp.verify(userId, "TOTP", yield* totpNow(secret)))).toMatchObject({
          _tag: "AttemptsExhausted",
          retryAfterSeconds: 900
        })
        yield* minutes(15)
        expect((yield* otp.verify(userId, "TOTP", yield* totpNow(secret))).hasValidatedSecret).toBe(true)
      }))

    it.effect("a partner client: every try carries the full credentials, and after its lock ends 10 more failures lock it again", () =>
      atT0(function*() {
        const partners = yield* Partners
        const email = "keycloak@example.com"
        const creds = yield* (yield* Sandbox).createPartner(email, Redacted.make(password))
        const guess = Effect.flatMap(
          totpNow(creds.totp_secret),
          (code) => Effect.flip(partners.login(partnerRequest(email, creds, otherCode(code))))
        )
        const right = Effect.flatMap(
          totpNow(creds.totp_secret),
          (code) => partners.login(partnerRequest(email, creds, code))
        )
        for (let i = 0; i < 10; i++) expect((yield* guess)._tag).toBe("InvalidOtp")
        expect(yield* Effect.flip(right)).toMatchObject({ _tag: "AttemptsExhausted", retryAfterSeconds: 900 })
        yield* minutes(15)
        // no session outlives the lock: without the client secret, the right code is a plain 403
        // (and one more failure for the client, so 9 wrong codes lock it again below)
        const code = yield* totpNow(creds.totp_secret)
        expect((yield* Effect.flip(partners.login(partnerRequest(email, creds, code, "x".repeat(43)))))._tag).toBe(
          "AuthError"
        )
        for (let i = 0; i < 9; i++) expect((yield* guess)._tag).toBe("InvalidOtp")
        expect(yield* Effect.flip(right)).toMatchObject({ _tag: "AttemptsExhausted", retryAfterSeconds: 900 })
        yield* minutes(15)
        expect((yield* right).expires_in).toBe(3600)
      }))
  })
})

describe("hanko #2723: the code used to validate the TOTP secret accepted again at the next login", () => {
  describe.each(storeKinds)("over HTTP on %s", (_kind, fresh) => {
    const { http, current, enrolled, verify, removeTotp, partner, userRow } = serverFor(fresh)

    it("the code that validated the secret (POST /auth/otp/code, TOTP) is refused by DELETE /auth/otp/methods/totp right after", async () => {
      const user = await enrolled()
      const code = totpWall(user.secret)
      expect(await verify(user.idToken, "TOTP", code)).toMatchObject({
        status: 200,
        body: { hasValidatedSecret: true }
      })
      expect(await removeTotp(user.idToken, code)).toMatchObject(invalidOtp)
      const row = await userRow(user.email)
      expect(row.totp_secret).not.toBeNull()
      expect(row.totp_verified_at).not.toBeNull()
      expect(await removeTotp(user.idToken, totpWall(user.secret, 1))).toMatchObject({
        status: 200,
        body: { hasValidatedSecret: false }
      })
    })

    it("a partner who re-enrols: the code that validated the new secret is refused at the next partner login", async () => {
      const p = await partner()
      const login = await http("POST", "/auth/login", { body: { email: p.email, password } })
      expect(login.status).toBe(200)
      const idToken = login.body.idToken as string
      expect((await removeTotp(idToken, totpWall(p.creds.totp_secret))).status).toBe(200)
      const created = await http("POST", "/auth/otp/methods/totp", { body: {}, token: idToken })
      const secret = created.body.totp.secret as string
      const code = totpWall(secret)
      expect((await verify(idToken, "TOTP", code)).status).toBe(200)
      expect(await p.login(code)).toMatchObject(invalidOtp)
      expect(await countRows(current(), "rampart_partner_sessions", ["client_id", p.creds.client_id])).toBe(0)
      expect((await p.login(totpWall(secret, 1))).status).toBe(200)
    })
  })
})

describe("a last-used-step check that races: two concurrent uses of one TOTP code", () => {
  const rounds = 5

  describe.each(storeKinds)("over HTTP on %s", (_kind, fresh) => {
    const { current, enrolled, verify, partner } = serverFor(fresh)

    it(`two concurrent partner logins with one security_code: one 200 and one 401 InvalidOtp (${rounds} rounds)`, async () => {
      for (let round = 0; round < rounds; round++) {
        const p = await partner()
        const code = totpWall(p.creds.totp_secret)
        const answers = await Promise.all([p.login(code), p.login(code)])
        expect(tally(answers), `round ${round}`).toEqual({ "200": 1, "401 InvalidOtp": 1 })
        expect(await countRows(current(), "rampart_partner_sessions", ["client_id", p.creds.client_id])).toBe(1)
      }
    })

    it(`two concurrent validations (POST /auth/otp/code, TOTP) with one code: exactly one 200 (${rounds} rounds)`, async () => {
      for (let round = 0; round < rounds; round++) {
        const user = await enrolled()
        const code = totpWall(user.secret)
        const counts = tally(
          await Promise.all([verify(user.idToken, "TOTP", code), verify(user.idToken, "TOTP", code)])
        )
        expect(counts["200"], `round ${round}: ${JSON.stringify(counts)}`).toBe(1)
        const loser = Object.keys(counts).find((key) => key !== "200")
        expect(["400 AlreadyConfigured", "401 InvalidOtp"]).toContain(loser)
      }
    })
  })

  eachStoreAtT0("services on %s", (atT0) => {
    const both = <A, E, R>(attempt: Effect.Effect<A, E, R>) =>
      Effect.all([Effect.either(attempt), Effect.either(attempt)], { concurrency: "unbounded" })

    it.effect(`two concurrent partner logins with one security_code: exactly one session (${rounds} rounds)`, () =>
      atT0(function*() {
        const partners = yield* Partners
        const sandbox = yield* Sandbox
        for (let round = 0; round < rounds; round++) {
          const email = `race${round}@example.com`
          const creds = yield* sandbox.createPartner(email, Redacted.make(password))
          const results = yield* both(partners.login(partnerRequest(email, creds, yield* totpNow(creds.totp_secret))))
          expect(results.filter(Either.isRight), `round ${round}`).toHaveLength(1)
          expect(results.filter(Either.isLeft).map((r) => r.left._tag)).toEqual(["InvalidOtp"])
        }
      }))

    it.effect(`two concurrent validations with one TOTP code: exactly one success (${rounds} rounds)`, () =>
      atT0(function*() {
        const otp = yield* OtpChallenges
        for (let round = 0; round < rounds; round++) {
          const { userId, secret } = yield* userWithTotp
          const results = yield* both(otp.verify(userId, "TOTP", yield* totpNow(secret)))
          expect(results.filter(Either.isRight), `round ${round}`).toHaveLength(1)
          for (const r of results) {
            if (Either.isLeft(r)) expect(["AlreadyConfigured", "InvalidOtp"]).toContain(r.left._tag)
          }
        }
      }))
  })
})
