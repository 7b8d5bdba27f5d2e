/**
 * `Session` against the real server, with time driven by `TestClock`.
 *
 * The server is built inside each test (`Layer.build(layerInProcessServer(...))`), so its fibers run
 * under the test's `TestClock` too: the idTokens it issues carry `iat`/`exp` of the simulated time,
 * it verifies them against the simulated time, and the session's background fiber sleeps on the
 * same clock. Moving the TestClock therefore ages real tokens on both sides, and counting the
 * `POST /auth/login/refresh` requests that really reached the server is a meaningful measure.
 * Requests still travel over loopback HTTP in real time; the client's per-attempt timeout is off
 * in these tests (`Duration.infinity`), because a TestClock jump while a request is on the wire
 * would otherwise time it out at once.
 */
import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Clock, Context, Duration, Effect, Layer, Redacted, TestClock } from "effect"
import { AuthClient } from "../../src/Client/AuthClient.js"
import { Session, type SessionOptions } from "../../src/Client/Session.js"
import { AuthError, NotConfigured } from "../../src/Domain/Errors.js"
import { layerInProcessServer, ServerUrl } from "../../src/Server/InProcess.js"
import { newUser, T0, testSettings } from "../support/Services.js"
import { freshSqliteUrl } from "../support/Stores.js"
import { makeTraffic, type Traffic } from "../support/Traffic.js"

const REFRESH = ["POST", "/auth/login/refresh"] as const
const LOGIN = ["POST", "/auth/login"] as const
const OTP_TOTP = ["DELETE", "/auth/otp/methods/totp"] as const

/** The server in this test's scope and under its TestClock, a user on it, and a recorded client. */
const setUp = Effect.gen(function*() {
  yield* TestClock.setTime(T0)
  const server = yield* Layer.build(layerInProcessServer(testSettings(freshSqliteUrl())))
  const user = yield* Effect.provide(newUser(), server)
  const traffic = makeTraffic()
  const client = yield* Layer.build(
    AuthClient.layer({
      baseUrl: Context.get(server, ServerUrl),
      timeout: Duration.infinity,
      transformClient: traffic.transform
    })
  )
  const open = (options: Partial<SessionOptions> = {}) =>
    Effect.provide(Session.make({ email: user.email, password: Redacted.make(user.password), ...options }), client)
  return { server, user, traffic, client, open }
})

/** An authenticated call with a known answer: no TOTP secret to delete (no state change, no attempt spent). */
const probe = (session: Context.Tag.Service<Session>) =>
  Effect.flip(session.otp.deleteTotpSecret({ headers: { "x-otp": "000000" } }))

/** Waits in real time (not TestClock time) for loopback I/O. */
const realPause = (millis: number) => Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, millis)))

/** Polls `condition` in real time for up to 5 s, then asserts it. */
const eventually = (condition: () => boolean) =>
  Effect.gen(function*() {
    for (let i = 0; i < 500 && !condition(); i++) yield* realPause(10)
    expect(condition()).toBe(true)
  })

const seconds = (traffic: Traffic, [method, path]: readonly [string, string]) =>
  traffic.of(method, path).map((e) => (e.at - T0) / 1000)

describe("Session", () => {
  it.scoped("1,000 calls over 3 simulated hours: exactly 1 login and 3 refreshes, never two at once", () =>
    Effect.gen(function*() {
      const { open, traffic } = yield* setUp
      const session = yield* open()
      // 200 ticks of 54 s (10,800 s = 3 h), 5 concurrent calls per tick.
      for (let tick = 1; tick <= 200; tick++) {
        yield* TestClock.adjust("54 seconds")
        const answers = yield* Effect.all(Array.from({ length: 5 }, () => probe(session)), { concurrency: "unbounded" })
        for (const answer of answers) expect(answer).toBeInstanceOf(NotConfigured)
      }
      expect(traffic.of(...OTP_TOTP)).toHaveLength(1000)
      // Login at 0 s: exp 3600. Refreshed once its last 60 s begin (3540 s), then every ~3540 s:
      // ~3540, ~7080, ~10620 — a fourth would be due after 14,000 s.
      expect(traffic.of(...LOGIN)).toHaveLength(1)
      const refreshes = seconds(traffic, REFRESH)
      expect(refreshes).toHaveLength(3)
      // Each refresh fell within the last 60 s of the previous token's 3600 s life.
      const issued = [0, ...refreshes]
      refreshes.forEach((at, i) => {
        expect(at - issued[i]!).toBeGreaterThanOrEqual(3540)
        expect(at - issued[i]!).toBeLessThan(3600)
      })
      expect(traffic.maxTokenRequestsInFlight()).toBe(1)
      // No call was ever refused: every one carried a live idToken.
      expect(traffic.exchanges.filter((e) => e.status !== 200 && e.status !== 400)).toEqual([])
    }))

  it.scoped("a call that finds the idToken due refreshes it first, even when the background timer is late", () =>
    Effect.gen(function*() {
      const { open, traffic } = yield* setUp
      // The session's clock reads the TestClock but its timers never fire (a suspended laptop, a
      // starved event loop): only the lazy path can refresh.
      const late: Clock.Clock = {
        [Clock.ClockTypeId]: Clock.ClockTypeId,
        unsafeCurrentTimeMillis: () => clockNow,
        currentTimeMillis: Effect.sync(() => clockNow),
        unsafeCurrentTimeNanos: () => BigInt(clockNow) * 1_000_000n,
        currentTimeNanos: Effect.sync(() => BigInt(clockNow) * 1_000_000n),
        sleep: () => Effect.never
      }
      let clockNow = T0
      const serverClock = yield* TestClock.testClock()
      yield* Effect.gen(function*() {
        const session = yield* open()
        const first = yield* session.idToken
        clockNow = T0 + 3539_000
        expect(yield* session.idToken).toBe(first)
        expect(traffic.of(...REFRESH)).toHaveLength(0)
        clockNow = T0 + 3540_000
        yield* serverClock.setTime(clockNow) // the server's clock agrees
        expect(yield* probe(session)).toBeInstanceOf(NotConfigured)
        expect(traffic.of(...REFRESH)).toHaveLength(1)
        expect(Redacted.value(yield* session.idToken)).not.toBe(Redacted.value(first))
        // Ten callers finding the new token due at once share one refresh.
        clockNow = T0 + 2 * 3540_000
        yield* serverClock.setTime(clockNow)
        yield* Effect.all(Array.from({ length: 10 }, () => probe(session)), { concurrency: "unbounded" })
        expect(traffic.of(...REFRESH)).toHaveLength(2)
        expect(traffic.maxTokenRequestsInFlight()).toBe(1)
      }).pipe(Effect.withClock(late))
    }))

  it.scoped("a call refused with AuthError is refreshed and sent once more", () =>
    Effect.gen(function*() {
      const { open, traffic } = yield* setUp
      const session = yield* open()
      // The server refuses the next DELETE's idToken (as after a key rotation).
      traffic.forgeNextBearer(...OTP_TOTP)
      expect(yield* probe(session)).toBeInstanceOf(NotConfigured)
      expect(traffic.of(...OTP_TOTP).map((e) => e.status)).toEqual([403, 400])
      expect(traffic.of(...REFRESH)).toHaveLength(1)

      // withAuth: the function runs again with the refreshed token, once.
      const seen: Array<string> = []
      const result = yield* session.withAuth((token) =>
        Effect.suspend(() => {
          seen.push(Redacted.value(token))
          return seen.length === 1 ? Effect.fail(new AuthError({ message: "refused" })) : Effect.succeed("ok")
        })
      )
      expect(result).toBe("ok")
      expect(seen).toHaveLength(2)
      expect(seen[1]).not.toBe(seen[0])
      expect(traffic.of(...REFRESH)).toHaveLength(2)
      // Refused twice: the second AuthError reaches the caller (no loop).
      const refused = yield* Effect.flip(session.withAuth(() => Effect.fail(new AuthError({ message: "refused" }))))
      expect(refused).toBeInstanceOf(AuthError)
      expect(traffic.of(...REFRESH)).toHaveLength(3)
    }))

  it.scoped("a refused refresh token falls back to a new login with the password; the device is recorded", () =>
    Effect.gen(function*() {
      const { open, server, traffic } = yield* setUp
      const session = yield* open({ device: "RampartTest/1.0 (session)" })
      yield* Effect.provide(
        Effect.flatMap(SqlClient.SqlClient, (sql) => sql`UPDATE rampart_refresh_tokens SET revoked_at = ${T0}`),
        server
      )
      yield* session.refresh
      expect(traffic.of(...REFRESH).map((e) => e.status)).toEqual([403])
      expect(traffic.of(...LOGIN).map((e) => e.status)).toEqual([200, 200])
      const enrollment = yield* session.otp.createTotpSecret({ payload: {} })
      expect(enrollment.lastLoggedDevice).toBe("RampartTest/1.0 (session)")
      // The new refresh token works again.
      yield* session.refresh
      expect(traffic.of(...REFRESH).map((e) => e.status)).toEqual([403, 200])
    }))

  it.scoped("with no calls at all the background fiber refreshes on time; it stops when the scope closes", () =>
    Effect.gen(function*() {
      const { open, traffic } = yield* setUp
      yield* Effect.scoped(Effect.gen(function*() {
        yield* open()
        // Nothing calls the session: every refresh is the background fiber's.
        for (let hour = 1; hour <= 4; hour++) {
          yield* TestClock.adjust("1 hour")
          yield* eventually(() => traffic.of(...REFRESH).length === hour)
        }
        const times = seconds(traffic, REFRESH)
        expect(times[0]).toBe(3540)
        expect(traffic.maxTokenRequestsInFlight()).toBe(1)
      }))
      const before = traffic.exchanges.length
      for (let hour = 0; hour < 4; hour++) {
        yield* TestClock.adjust("1 hour")
        yield* realPause(50)
      }
      expect(traffic.exchanges.length).toBe(before)
      expect(traffic.of(...REFRESH)).toHaveLength(4)
    }))

  it.scoped("refused credentials, and an idToken that is not a readable JWT, are typed failures of make", () =>
    Effect.gen(function*() {
      const { open, traffic } = yield* setUp
      const wrong = yield* Effect.flip(open({ password: Redacted.make("not the password") }))
      expect(wrong).toBeInstanceOf(AuthError)
      traffic.fakeNext(...LOGIN, 200, { idToken: "not-a-jwt", refreshToken: "r" })
      expect((yield* Effect.flip(open()))._tag).toBe("ParseError")
      const payload = Buffer.from(JSON.stringify({ iat: 2000, exp: 1000 })).toString("base64url")
      traffic.fakeNext(...LOGIN, 200, { idToken: `e30.${payload}.sig`, refreshToken: "r" })
      const backwards = yield* Effect.flip(open())
      expect(backwards._tag).toBe("ParseError")
      expect(String(backwards)).toContain("expire after it is issued")
    }))
})
