/**
 * `rampart/testing` as a consumer's test suite uses it: `it.layer(layerTest())` and `it.effect`
 * with `TestClock` driving Rampart's rules; `TestUsers`, `TestOutbox` and `TestTotp`; every store
 * fresh per use.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, Redacted, TestClock } from "effect"
import { Accounts, IdTokens, OtpChallenges, Sandbox, SecurityEvents, StepUp } from "rampart/server"
import { layerTest, TestOutbox, TestTotp, TestUsers } from "rampart/testing"

describe("rampart/testing", () => {
  it.effect("TestUsers.create: a logged-in user; its idToken verifies; TestClock expires it after an hour", () =>
    Effect.gen(function*() {
      const user = yield* (yield* TestUsers).create("ada@example.com", "correct horse battery")
      const idTokens = yield* IdTokens
      expect((yield* idTokens.verify(user.idToken)).sub).toBe(user.userId)
      yield* TestClock.adjust("61 minutes")
      expect(Either.isLeft(yield* Effect.either(idTokens.verify(user.idToken)))).toBe(true)
      // The refresh token still works (30 days), in TestClock time.
      const refreshed = yield* (yield* Accounts).refresh(Redacted.make(user.refreshToken))
      expect((yield* idTokens.verify(refreshed.idToken)).sub).toBe(user.userId)
    }).pipe(Effect.provide(layerTest())))

  it.effect("TestOutbox.lastCode: the code just sent; it dies at 5 minutes of TestClock", () =>
    Effect.gen(function*() {
      const { userId } = yield* (yield* TestUsers).create("bo@example.com", "correct horse battery")
      const otp = yield* OtpChallenges
      yield* otp.request(userId, "EMAIL")
      const code = yield* (yield* TestOutbox).lastCode("bo@example.com")
      expect(code).toMatch(/^[0-9]{6}$/)
      yield* TestClock.adjust("5 minutes")
      expect((yield* Effect.flip(otp.verify(userId, "EMAIL", code)))._tag).toBe("InvalidOtp")
      expect((yield* Effect.flip((yield* TestOutbox).lastCode("nobody@example.com")))._tag).toBe("NoCodeSent")
    }).pipe(Effect.provide(layerTest())))

  it.effect("TestTotp: enrol gives a validated secret; codeFor makes the current code; a step-up takes it once", () =>
    Effect.gen(function*() {
      const { userId } = yield* (yield* TestUsers).create("cy@example.com", "correct horse battery")
      const totp = yield* TestTotp
      const secret = yield* totp.enrol(userId)
      expect(secret).toMatch(/^[A-Z2-7]{32}$/)
      const stepUp = yield* StepUp
      const code = yield* totp.codeFor(userId)
      expect((yield* stepUp.verify(userId, code)).channel).toBe("TOTP")
      expect((yield* Effect.flip(stepUp.verify(userId, code)))._tag).toBe("InvalidOtp")
      yield* TestClock.adjust("30 seconds")
      expect((yield* stepUp.verify(userId, yield* totp.codeFor(userId))).channel).toBe("TOTP")
      // The events of the kit's services are there to read.
      const events = yield* (yield* SecurityEvents).after(0, 100)
      expect(events.map((event) => event.type)).toContain("stepup.verified")
    }).pipe(Effect.provide(layerTest())))

  it.effect("each use is a fresh store", () =>
    Effect.gen(function*() {
      const first = Effect.provide(
        Effect.flatMap(TestUsers, (users) => users.create("dup@example.com", "pw long enough")),
        layerTest()
      )
      yield* first
      yield* first // a second store: the same email is free again
      const shared = layerTest()
      const twice = Effect.gen(function*() {
        yield* (yield* TestUsers).create("same@example.com", "pw long enough")
        return yield* Effect.flip((yield* Sandbox).createUser("same@example.com", Redacted.make("pw long enough")))
      })
      expect((yield* Effect.provide(twice, shared))._tag).toBe("AlreadyConfigured")
      expect(Layer.isLayer(shared)).toBe(true)
    }))
})
