/**
 * SPEC "TOTP: a code is accepted at most once ... atomically, so two concurrent uses of one code give
 * exactly one success" (issue 5, item 2): ten concurrent uses of one valid TOTP code, over real HTTP
 * and at service level, on SQLite and (when configured) PostgreSQL.
 *
 * Three races per level: ten `POST /auth/otp/code` (channel TOTP) validating a new secret; ten
 * `DELETE /auth/otp/methods/totp` of a validated secret; and five of each mixed, where after a
 * winning validation the deletes are refused only by the "step ≤ last accepted step" rule.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Either, TestClock } from "effect"
import type { UserId } from "../../src/Domain/Identity.js"
import { UsersRepo } from "../../src/Server/Accounts/UsersRepo.js"
import { OtpChallenges } from "../../src/Server/Otp/OtpChallenges.js"
import { OtpMethods } from "../../src/Server/Otp/OtpMethods.js"
import { otherCode, query, tally, totpWall } from "../support/Concurrency.js"
import { type Answer, call, newUserToken } from "../support/Http.js"
import { type RunningServer, startServer } from "../support/Server.js"
import { newUser, onFreshStore, startClock, totpNow, userIdOf } from "../support/Services.js"
import { storeKinds } from "../support/Stores.js"

const password = "concurrent totp password"
const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
let counter = 0

describe.each(storeKinds)("ten concurrent uses of one TOTP code over HTTP on %s", (_kind, fresh) => {
  let server: RunningServer
  const http = (method: string, path: string, options?: Parameters<typeof call>[3]) =>
    call(server.url, method, path, options)

  beforeAll(async () => {
    server = await startServer(await fresh())
  })
  afterAll(() => server.close())

  /** A logged-in user with a new (unvalidated) TOTP secret. */
  const enrolled = async () => {
    const email = `race${counter++}-${Date.now().toString(36)}@example.com`
    const idToken = await newUserToken(server.url, email, password)
    const secret = (await http("POST", "/auth/otp/methods/totp", { body: {}, token: idToken })).body.totp
      .secret as string
    return { email, idToken, secret }
  }
  const verify = (idToken: string, code: string) =>
    http("POST", "/auth/otp/code", { body: { channel: "TOTP" }, token: idToken, headers: { "x-otp": code } })
  const remove = (idToken: string, code: string) =>
    http("DELETE", "/auth/otp/methods/totp", { token: idToken, headers: { "x-otp": code } })
  const userRow = async (email: string) =>
    (await query<
      { totp_secret: unknown; totp_verified_at: unknown; totp_last_step: unknown; otp_locked_until: unknown }
    >(
      server,
      (sql) =>
        sql`SELECT totp_secret, totp_verified_at, totp_last_step, otp_locked_until FROM rampart_users WHERE email = ${email}`
    ))[0]!
  const onlyAllowed = (answers: ReadonlyArray<Answer>, allowed: ReadonlyArray<string>) => {
    const counts = tally(answers)
    expect(counts["200"], JSON.stringify(counts)).toBe(1)
    for (const key of Object.keys(counts)) expect(["200", ...allowed], JSON.stringify(counts)).toContain(key)
  }

  it("POST /auth/otp/code (TOTP) ×10 with one code: exactly one 200", async () => {
    const user = await enrolled()
    const code = totpWall(user.secret)
    const answers = await Promise.all(Array.from({ length: 10 }, () => verify(user.idToken, code)))
    onlyAllowed(answers, ["400 AlreadyConfigured", "401 InvalidOtp"])
    const row = await userRow(user.email)
    expect(row.totp_verified_at).not.toBeNull()
    expect(row.otp_locked_until).toBeNull()
  })

  it("DELETE /auth/otp/methods/totp ×10 with one code: exactly one 200", async () => {
    const user = await enrolled()
    expect((await verify(user.idToken, totpWall(user.secret))).status).toBe(200)
    // The next step's code is inside the window (S-1..S+1) and after the step just used.
    const code = totpWall(user.secret, 1)
    const answers = await Promise.all(Array.from({ length: 10 }, () => remove(user.idToken, code)))
    onlyAllowed(answers, ["400 NotConfigured", "401 InvalidOtp"])
    expect((await userRow(user.email)).totp_secret).toBeNull()
  })

  it("5 validations and 5 deletions racing with one code: exactly one 200 (the step rule refuses the rest)", async () => {
    let replaysSeen = 0
    for (let round = 0; round < 6 && replaysSeen < 2; round++) {
      const user = await enrolled()
      const code = totpWall(user.secret)
      // A bodiless DELETE is served faster than a POST: give the validations a 2 ms head start so
      // both orders happen (the requests still overlap).
      const answers = await Promise.all(
        Array.from(
          { length: 10 },
          (_, i) => i % 2 === 0 ? verify(user.idToken, code) : delay(2).then(() => remove(user.idToken, code))
        )
      )
      onlyAllowed(answers, ["400 AlreadyConfigured", "400 NotConfigured", "401 InvalidOtp"])
      if (answers.some((a, i) => i % 2 === 0 && a.status === 200)) {
        replaysSeen++
        // The secret is still there, validated: every deletion with the same code was a replay.
        expect(answers.filter((_, i) => i % 2 === 1).map((a) => a.body._tag)).toEqual(Array(5).fill("InvalidOtp"))
        const row = await userRow(user.email)
        expect(row.totp_secret).not.toBeNull()
        expect(row.totp_last_step).not.toBeNull()
        // and a fresh code still deletes it, so the refusals were about the code, not the secret
        expect((await remove(user.idToken, totpWall(user.secret, 1))).status).toBe(200)
      } else {
        expect(answers.filter((a) => a.status !== 200).every((a) => a.body._tag === "NotConfigured")).toBe(true)
      }
    }
    expect(replaysSeen).toBeGreaterThan(0)
  })

  it("a wrong code never wins a race and a right one still does", async () => {
    const user = await enrolled()
    const code = totpWall(user.secret)
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => verify(user.idToken, i === 9 ? code : otherCode(code, 1 + i)))
    )
    // Nine wrong codes and one right one: the right one succeeds whatever the order (9 failures < 10).
    expect(tally(answers)["200"]).toBe(1)
    expect(answers[9]!.status).toBe(200)
  })
})

describe.each(storeKinds)("ten concurrent uses of one TOTP code at service level on %s", (_kind, fresh) => {
  const run = onFreshStore(fresh)

  /** A user with a new (unvalidated) TOTP secret. */
  const enrolled = Effect.gen(function*() {
    const { email } = yield* newUser()
    const userId = yield* userIdOf(email)
    const secret = (yield* (yield* OtpMethods).createTotp(userId)).totp.secret
    return { userId, secret }
  })
  const race = <A, E, R>(attempts: ReadonlyArray<Effect.Effect<A, E, R>>) =>
    Effect.all(attempts.map((attempt) => Effect.either(attempt)), { concurrency: "unbounded" })
  const tags = (results: ReadonlyArray<Either.Either<unknown, { readonly _tag: string }>>) =>
    results.map((r) => (Either.isRight(r) ? "ok" : r.left._tag))
  const lastStep = (userId: UserId) =>
    Effect.map(
      Effect.flatMap(UsersRepo, (users) => users.findById(userId)),
      (row) => row._tag === "Some" ? row.value.totp_last_step : undefined
    )

  it.effect("verify ×10 with one code: exactly one success", () =>
    run(
      Effect.gen(function*() {
        yield* startClock
        const otp = yield* OtpChallenges
        const { userId, secret } = yield* enrolled
        const code = yield* totpNow(secret)
        const results = tags(yield* race(Array.from({ length: 10 }, () => otp.verify(userId, "TOTP", code))))
        expect(results.filter((t) => t === "ok")).toHaveLength(1)
        expect(results.filter((t) => t !== "ok").every((t) => t === "AlreadyConfigured" || t === "InvalidOtp")).toBe(
          true
        )
        expect(yield* lastStep(userId)).toBe(Math.floor(Date.UTC(2026, 0, 1) / 30_000))
      })
    ))

  it.effect("deleteTotp ×10 with one code: exactly one success", () =>
    run(
      Effect.gen(function*() {
        yield* startClock
        const otp = yield* OtpChallenges
        const methods = yield* OtpMethods
        const { userId, secret } = yield* enrolled
        yield* otp.verify(userId, "TOTP", yield* totpNow(secret))
        yield* TestClock.adjust("30 seconds")
        const code = yield* totpNow(secret)
        const results = tags(yield* race(Array.from({ length: 10 }, () => methods.deleteTotp(userId, code))))
        expect(results.filter((t) => t === "ok")).toHaveLength(1)
        expect(results.filter((t) => t !== "ok").every((t) => t === "NotConfigured" || t === "InvalidOtp")).toBe(true)
      })
    ))

  it.effect("5 verify + 5 deleteTotp with one code: exactly one success; after a validation every delete is a replay", () =>
    run(
      Effect.gen(function*() {
        yield* startClock
        const otp = yield* OtpChallenges
        const methods = yield* OtpMethods
        let replaysSeen = 0
        for (let round = 0; round < 6 && replaysSeen < 2; round++) {
          const { userId, secret } = yield* enrolled
          const code = yield* totpNow(secret)
          const results = tags(
            yield* race(
              Array.from(
                { length: 10 },
                (_, i) => i % 2 === 0 ? otp.verify(userId, "TOTP", code) : methods.deleteTotp(userId, code)
              )
            )
          )
          expect(results.filter((t) => t === "ok"), results.join()).toHaveLength(1)
          if (results.some((t, i) => i % 2 === 0 && t === "ok")) {
            replaysSeen++
            expect(results.filter((_, i) => i % 2 === 1)).toEqual(Array(5).fill("InvalidOtp"))
          } else {
            expect(results.filter((t) => t !== "ok").every((t) => t === "NotConfigured")).toBe(true)
          }
        }
        expect(replaysSeen).toBeGreaterThan(0)
      })
    ))
})
