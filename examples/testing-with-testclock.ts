/**
 * Recipe: test an integration with `TestClock` and the in-process sandbox. Time is a value in
 * Effect, and every Rampart rule reads it from `Clock`, so a five-minute code expiry or a 15-minute
 * lock is checked in milliseconds of real time.
 */
import { Effect, Layer, Option, Redacted, TestClock } from "effect"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { UserId } from "rampart"
import {
  Accounts,
  IdTokens,
  layerServerConfig,
  layerServices,
  OtpChallenges,
  owaspPasswordCost,
  Sandbox
} from "rampart/server"

/** The domain services on a throw-away SQLite store, cheap password hashing for tests. */
export const layerSandbox = layerServices.pipe(
  Layer.provide(
    layerServerConfig({
      databaseUrl: `sqlite:${join(mkdtempSync(join(tmpdir(), "rampart-recipe-")), "test.db")}`,
      stateDirectory: mkdtempSync(join(tmpdir(), "rampart-recipe-state-")),
      otpWebhookUrl: Option.none(),
      passwordCost: { ...owaspPasswordCost, memoryCost: 1024, timeCost: 1 }
    })
  )
)

/**
 * The scenario under test (run it inside `it.effect`, which provides `TestClock`): a second code
 * within 60 s is refused with the exact wait, and a code requested at 0:00 is refused at 5:00.
 */
export const codeExpiryScenario = Effect.gen(function*() {
  const sandbox = yield* Sandbox
  const accounts = yield* Accounts
  const idTokens = yield* IdTokens
  const otp = yield* OtpChallenges
  yield* TestClock.setTime(Date.UTC(2026, 0, 1))
  yield* sandbox.createUser("clock@example.com", Redacted.make("clock password"))
  const tokens = yield* accounts.login("clock@example.com", Redacted.make("clock password"), null)
  const userId = (yield* idTokens.verify(tokens.idToken)).sub as UserId
  yield* otp.request(userId, "EMAIL")
  const [sent] = yield* sandbox.outbox("clock@example.com")
  yield* TestClock.adjust("10 seconds")
  const tooSoon = yield* Effect.flip(otp.request(userId, "EMAIL")) // AttemptsExhausted, retryAfterSeconds 50
  yield* TestClock.adjust("290 seconds") // 5:00 after the request: the code is dead
  const expired = yield* Effect.flip(otp.verify(userId, "EMAIL", sent!.code)) // InvalidOtp
  return { tooSoon, expired }
})
