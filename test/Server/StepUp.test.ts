/**
 * `StepUp.verify` on the real services and store, driven by TestClock, on SQLite and (when
 * RAMPART_TEST_DATABASE_URL is set) PostgreSQL: TOTP single use, sent codes of validated channels
 * only (5 minutes, 5 tries, single use), the account-wide budget and its end, malformed codes that
 * spend nothing, the events, and concurrent uses of one code (one instance and two sharing a store).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, Option, Redacted, Stream, TestClock } from "effect"
import type { UserId } from "../../src/Domain/Identity.js"
import { UsersRepo } from "../../src/Server/Accounts/UsersRepo.js"
import { generateMasterKeyBase64 } from "../../src/Server/Crypto/MasterKey.js"
import { generateSigningJwk } from "../../src/Server/Crypto/SigningKey.js"
import { SecurityEvents } from "../../src/Server/Events/SecurityEvents.js"
import { OtpChallenges } from "../../src/Server/Otp/OtpChallenges.js"
import { OtpMethods } from "../../src/Server/Otp/OtpMethods.js"
import { StepUp } from "../../src/Server/Otp/StepUp.js"
import {
  lastCode,
  layerTestServices,
  newUser,
  onFreshStore,
  startClock,
  totpNow,
  userIdOf,
  userWithTotp
} from "../support/Services.js"
import { storeKinds, testPostgresUrl } from "../support/Stores.js"

const seconds = (n: number) => TestClock.adjust(`${n} seconds`)
const minutes = (n: number) => TestClock.adjust(`${n} minutes`)
const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, "0")
const tagOf = <A, E extends { readonly _tag: string }, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.map(Effect.flip(effect), (error) => error._tag)

/** A user whose TOTP secret is validated; its id and secret. */
const userWithValidatedTotp = Effect.gen(function*() {
  const user = yield* userWithTotp
  yield* (yield* OtpChallenges).verify(user.userId, "TOTP", yield* totpNow(user.secret))
  yield* seconds(30) // the validation used this step's code
  return user
})

/** A user whose email is validated; its id and email. */
const userWithValidatedEmail = Effect.gen(function*() {
  const { email } = yield* newUser()
  const userId = yield* userIdOf(email)
  const otp = yield* OtpChallenges
  yield* otp.request(userId, "EMAIL")
  yield* otp.verify(userId, "EMAIL", yield* lastCode(email))
  yield* seconds(60) // the resend spacing
  return { email, userId }
})

/** The user's consecutive failed verifications. */
const failures = (userId: UserId) =>
  Effect.map(Effect.flatMap(UsersRepo, (users) => Effect.orDie(users.requireActive(userId))), (row) => row.otp_failures)

describe.each(storeKinds)("step-up on %s", (_kind, fresh) => {
  const run = onFreshStore(fresh)

  it.effect("no validated channel: NotConfigured, even with an enrolment code in hand", () =>
    run(
      Effect.gen(function*() {
        yield* startClock
        const stepUp = yield* StepUp
        const { email } = yield* newUser()
        const userId = yield* userIdOf(email)
        yield* (yield* OtpChallenges).request(userId, "EMAIL") // an enrolment code of an unvalidated email
        expect(yield* tagOf(stepUp.verify(userId, yield* lastCode(email)))).toBe("NotConfigured")
        const totp = yield* userWithTotp // a TOTP secret created, not validated
        expect(yield* tagOf(stepUp.verify(totp.userId, yield* totpNow(totp.secret)))).toBe("NotConfigured")
      })
    ))

  it.effect("TOTP: a current code passes once, names TOTP; its step is then used; the next step passes", () =>
    run(
      Effect.gen(function*() {
        yield* startClock
        const stepUp = yield* StepUp
        const { secret, userId } = yield* userWithValidatedTotp
        const code = yield* totpNow(secret)
        const proof = yield* stepUp.verify(userId, code)
        expect(proof.channel).toBe("TOTP")
        expect(proof.verifiedAt.getTime()).toBe(Date.UTC(2026, 0, 1) + 30_000)
        expect(yield* tagOf(stepUp.verify(userId, code))).toBe("InvalidOtp")
        yield* seconds(30)
        expect((yield* stepUp.verify(userId, yield* totpNow(secret))).channel).toBe("TOTP")
      })
    ))

  it.effect("EMAIL: the last code sent to a validated email passes once; it lives 5 minutes and 5 tries", () =>
    run(
      Effect.gen(function*() {
        yield* startClock
        const stepUp = yield* StepUp
        const otp = yield* OtpChallenges
        const { email, userId } = yield* userWithValidatedEmail
        const status = yield* otp.request(userId, "EMAIL")
        expect(status.validated).toBe(true)
        const code = yield* lastCode(email)
        expect((yield* stepUp.verify(userId, code)).channel).toBe("EMAIL")
        expect(yield* tagOf(stepUp.verify(userId, code))).toBe("InvalidOtp") // single use
        // Valid 5 minutes.
        yield* seconds(60)
        yield* otp.request(userId, "EMAIL")
        const late = yield* lastCode(email)
        yield* seconds(5 * 60 + 1)
        expect(yield* tagOf(stepUp.verify(userId, late))).toBe("InvalidOtp")
        // 5 wrong tries kill the code.
        yield* otp.request(userId, "EMAIL")
        const tried = yield* lastCode(email)
        for (let i = 0; i < 5; i++) expect(yield* tagOf(stepUp.verify(userId, wrong(tried)))).toBe("InvalidOtp")
        expect(yield* tagOf(stepUp.verify(userId, tried))).toBe("InvalidOtp")
      })
    ))

  it.effect("a code sent for step-up cannot enrol another channel; an enrolment code cannot pass a step-up", () =>
    run(
      Effect.gen(function*() {
        yield* startClock
        const stepUp = yield* StepUp
        const otp = yield* OtpChallenges
        const { email, userId } = yield* userWithValidatedEmail
        // A phone added (its SMS enrolment code sent), not validated.
        yield* (yield* OtpMethods).addSms(userId, "+34612345678" as never)
        const smsCode = yield* lastCode("+34612345678")
        expect(yield* tagOf(stepUp.verify(userId, smsCode))).toBe("InvalidOtp")
        // The EMAIL step-up code does not validate the phone, and still works for the step-up after.
        yield* otp.request(userId, "EMAIL")
        const emailCode = yield* lastCode(email)
        expect(yield* tagOf(otp.verify(userId, "SMS", emailCode))).toBe("InvalidOtp")
        expect(yield* tagOf(otp.verify(userId, "EMAIL", emailCode))).toBe("AlreadyConfigured")
        expect((yield* stepUp.verify(userId, emailCode)).channel).toBe("EMAIL")
        // Enrolment keeps working: the phone's own code validates it.
        yield* otp.verify(userId, "SMS", smsCode)
      })
    ))

  it.effect("10 failed step-ups lock verification for 15 minutes; a success after the lock resets the count", () =>
    run(
      Effect.gen(function*() {
        yield* startClock
        const stepUp = yield* StepUp
        const { secret, userId } = yield* userWithValidatedTotp
        for (let i = 0; i < 10; i++) {
          expect(yield* tagOf(stepUp.verify(userId, wrong(yield* totpNow(secret))))).toBe("InvalidOtp")
        }
        const locked = yield* Effect.flip(stepUp.verify(userId, yield* totpNow(secret)))
        expect(locked).toMatchObject({ _tag: "AttemptsExhausted", retryAfterSeconds: 15 * 60 })
        yield* minutes(15)
        expect((yield* stepUp.verify(userId, yield* totpNow(secret))).channel).toBe("TOTP")
        expect(yield* failures(userId)).toBe(0)
      })
    ))

  it.effect("malformed codes are refused before anything is tried: no budget spent, no code try spent", () =>
    run(
      Effect.gen(function*() {
        yield* startClock
        const stepUp = yield* StepUp
        const { email, userId } = yield* userWithValidatedEmail
        yield* (yield* OtpChallenges).request(userId, "EMAIL")
        for (const bad of ["", "12345", "1234567", "abcdef", " 12345", "１２３４５６", "1".repeat(65_536)]) {
          const error = yield* Effect.flip(stepUp.verify(userId, bad))
          expect(error._tag).toBe("InvalidOtp")
          expect(error.message).toContain("6 digits")
        }
        expect(yield* failures(userId)).toBe(0)
        expect((yield* stepUp.verify(userId, yield* lastCode(email))).channel).toBe("EMAIL")
      })
    ))

  it.scoped("publishes stepup.verified with the channel and stepup.refused with the reason, never the code", () =>
    run(
      Effect.gen(function*() {
        yield* startClock
        const events = yield* SecurityEvents
        const queue = yield* events.subscribe
        const stepUp = yield* StepUp
        const { secret, userId } = yield* userWithValidatedTotp
        const code = yield* totpNow(secret)
        yield* stepUp.verify(userId, code)
        yield* Effect.flip(stepUp.verify(userId, code))
        const seen = yield* Stream.fromQueue(queue).pipe(
          Stream.filter((event) => event.type.startsWith("stepup.")),
          Stream.take(2),
          Stream.runCollect
        )
        expect([...seen].map(({ channel, reason, type, userId: user }) => ({ type, channel, reason, user }))).toEqual([
          { type: "stepup.verified", channel: "TOTP", reason: undefined, user: userId },
          { type: "stepup.refused", channel: undefined, reason: "InvalidOtp", user: userId }
        ])
        expect(JSON.stringify([...seen])).not.toContain(code)
      })
    ))

  it.effect("ten concurrent step-ups with one TOTP code, and with one EMAIL code: exactly one passes", () =>
    run(
      Effect.gen(function*() {
        yield* startClock
        const stepUp = yield* StepUp
        const totp = yield* userWithValidatedTotp
        const code = yield* totpNow(totp.secret)
        const totpResults = yield* Effect.all(
          Array.from({ length: 10 }, () => Effect.either(stepUp.verify(totp.userId, code))),
          { concurrency: "unbounded" }
        )
        expect(totpResults.filter(Either.isRight)).toHaveLength(1)
        const email = yield* userWithValidatedEmail
        yield* (yield* OtpChallenges).request(email.userId, "EMAIL")
        const emailCode = yield* lastCode(email.email)
        const emailResults = yield* Effect.all(
          Array.from({ length: 10 }, () => Effect.either(stepUp.verify(email.userId, emailCode))),
          { concurrency: "unbounded" }
        )
        expect(emailResults.filter(Either.isRight)).toHaveLength(1)
      })
    ))
})

describe.skipIf(testPostgresUrl === undefined)("step-up on two instances sharing PostgreSQL", () => {
  it.effect("one code used at once through both instances: exactly one passes (TOTP and EMAIL)", () =>
    Effect.gen(function*() {
      const url = yield* Effect.promise(() => storeKinds.find(([kind]) => kind === "postgres")![1]())
      // Two instances share one store and its keys.
      const keys = {
        secretKey: Option.some(Redacted.make(generateMasterKeyBase64())),
        signingKey: Option.some(Redacted.make(generateSigningJwk()))
      }
      const a = yield* Layer.build(layerTestServices(url, keys))
      const b = yield* Layer.build(layerTestServices(url, keys))
      yield* startClock
      const { secret, userId } = yield* Effect.provide(userWithValidatedTotp, a)
      const code = yield* Effect.provide(totpNow(secret), a)
      const through = (context: typeof a) =>
        Effect.provide(Effect.either(Effect.flatMap(StepUp, (s) => s.verify(userId, code))), context)
      const results = yield* Effect.all(Array.from({ length: 10 }, (_, i) => through(i % 2 === 0 ? a : b)), {
        concurrency: "unbounded"
      })
      expect(results.filter(Either.isRight)).toHaveLength(1)
      const user = yield* Effect.provide(userWithValidatedEmail, a)
      yield* Effect.provide(Effect.flatMap(OtpChallenges, (otp) => otp.request(user.userId, "EMAIL")), a)
      const emailCode = yield* Effect.provide(lastCode(user.email), a)
      const byEmail = (context: typeof a) =>
        Effect.provide(Effect.either(Effect.flatMap(StepUp, (s) => s.verify(user.userId, emailCode))), context)
      const emailResults = yield* Effect.all(Array.from({ length: 10 }, (_, i) => byEmail(i % 2 === 0 ? a : b)), {
        concurrency: "unbounded"
      })
      expect(emailResults.filter(Either.isRight)).toHaveLength(1)
    }).pipe(Effect.scoped))
})
