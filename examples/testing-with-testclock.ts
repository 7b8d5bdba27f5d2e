/**
 * Recipe: test an integration with `TestClock` and `rampart/testing`. Time is a value in Effect,
 * and every Rampart rule reads it from `Clock`, so a five-minute code expiry or a 15-minute lock
 * is checked in milliseconds of real time.
 */
import { Effect, TestClock } from "effect"
import { OtpChallenges } from "rampart/server"
import { layerTest, TestOutbox, TestUsers } from "rampart/testing"

/** The domain services on a fresh in-memory store with cheap hashing, and the kit's helpers. */
export const layerSandbox = layerTest()

/**
 * The scenario under test (run it inside `it.effect`, which provides `TestClock`): a second code
 * within 60 s is refused with the exact wait, and a code requested at 0:00 is refused at 5:00.
 */
export const codeExpiryScenario = Effect.gen(function*() {
  const otp = yield* OtpChallenges
  yield* TestClock.setTime(Date.UTC(2026, 0, 1))
  const { userId } = yield* (yield* TestUsers).create("clock@example.com", "clock password")
  yield* otp.request(userId, "EMAIL")
  const code = yield* (yield* TestOutbox).lastCode("clock@example.com")
  yield* TestClock.adjust("10 seconds")
  const tooSoon = yield* Effect.flip(otp.request(userId, "EMAIL")) // AttemptsExhausted, retryAfterSeconds 50
  yield* TestClock.adjust("290 seconds") // 5:00 after the request: the code is dead
  const expired = yield* Effect.flip(otp.verify(userId, "EMAIL", code)) // InvalidOtp
  return { tooSoon, expired }
})
