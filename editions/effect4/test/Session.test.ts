/**
 * `Session` (Effect 4) against the Effect 3 reference server over loopback, with the session's time
 * driven by `TestClock`. The server runs on wall time in its own process: moving the TestClock ages
 * the session's view of its idToken (it lives `exp − iat` from when the login left), so the
 * background renewal, the lazy renewal and the shared single flight are counted in the requests
 * that really reached the server. Where the server must see time pass too, its sandbox clock is
 * advanced (`SandboxClient.advance`). The per-attempt timeout is off (`Duration.infinity`): a
 * TestClock jump while a request is on the wire would otherwise end it.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/testing/TestClock"
import type { ServerProcess } from "../../../test/support/ServerProcess.js"
import {
  AuthClient,
  InvalidOtp,
  MethodNotAllowed,
  NotConfigured,
  SandboxClient,
  Session,
  type SessionOptions,
  StepUpProof,
  VerifyOtpRequest
} from "../src/index.js"
import { oathtool, startReferenceServer } from "./support/Server.js"
import { eventually, makeTraffic } from "./support/Traffic.js"

let server: ServerProcess
beforeAll(async () => {
  server = await startReferenceServer()
})
afterAll(async () => {
  await server?.stop()
})

const REFRESH = ["POST", "/auth/login/refresh"] as const
const LOGIN = ["POST", "/auth/login"] as const

/** A fresh user on the server, a recorded client and a way to open sessions for the user. */
const setUp = Effect.gen(function*() {
  const traffic = makeTraffic()
  const client = yield* Layer.build(
    AuthClient.layer({ baseUrl: server.url, timeout: Duration.infinity, transformClient: traffic.transform })
  )
  const sandbox = yield* Layer.build(SandboxClient.layer).pipe(Effect.provide(client))
  const email = `session-${Math.random().toString(36).slice(2)}@example.com`
  const password = "correct horse battery"
  yield* Effect.provide(
    Effect.flatMap(SandboxClient, (s) => s.createUser({ email, password: Redacted.make(password) })),
    sandbox
  )
  const open = (options: Partial<SessionOptions> = {}) =>
    Effect.provide(Session.make({ email, password: Redacted.make(password), ...options }), client)
  return { traffic, client, sandbox, open }
})

/** An authenticated call with a known answer: no TOTP secret to delete (no state change, no attempt spent). */
const probe = (session: Session["Service"]) =>
  Effect.flip(session.otp.deleteTotpSecret({ headers: { "x-otp": "000000" } }))

describe("Session (Effect 4) against the Effect 3 server", () => {
  it.effect("renews in the background when the idToken's last minute begins, once for every caller", () =>
    Effect.gen(function*() {
      const { open, traffic } = yield* setUp
      const session = yield* open()
      const first = Redacted.value(yield* session.idToken)
      expect(traffic.of(...LOGIN)).toHaveLength(1)
      yield* TestClock.adjust("3539 seconds")
      expect(traffic.of(...REFRESH)).toHaveLength(0)
      expect(Redacted.value(yield* session.idToken)).toBe(first)
      // The last 60 s of the 3600 s idToken begin: the background fiber refreshes.
      yield* TestClock.adjust("1 second")
      expect(yield* eventually(() => traffic.of(...REFRESH).length === 1)).toBe(true)
      const second = Redacted.value(yield* session.idToken)
      expect(second).not.toBe(first)
      // Ten concurrent calls, all with the new idToken, no more refreshes.
      const answers = yield* Effect.all(Array.from({ length: 10 }, () => probe(session)), { concurrency: "unbounded" })
      for (const answer of answers) expect(answer).toBeInstanceOf(NotConfigured)
      expect(traffic.of(...REFRESH)).toHaveLength(1)
      expect(traffic.of(...LOGIN)).toHaveLength(1)
      expect(traffic.maxTokenRequestsInFlight()).toBe(1)
    }))

  it.effect("a token the server has seen expire is refused once (403), renewed and the call sent again", () =>
    Effect.gen(function*() {
      const { open, sandbox, traffic } = yield* setUp
      const session = yield* open()
      // The server's time moves 2 hours: the idToken is expired there, not yet in the session's view.
      yield* Effect.provide(Effect.flatMap(SandboxClient, (s) => s.advance(7200)), sandbox)
      expect(yield* probe(session)).toBeInstanceOf(NotConfigured)
      const deletes = traffic.of("DELETE", "/auth/otp/methods/totp").map((e) => e.status)
      expect(deletes).toEqual([403, 400])
      expect(traffic.of(...REFRESH)).toHaveLength(1)
      yield* Effect.provide(Effect.flatMap(SandboxClient, (s) => s.reset), sandbox)
    }))

  it.effect("a refused refresh token logs in again with the password", () =>
    Effect.gen(function*() {
      const { open, sandbox, traffic } = yield* setUp
      const session = yield* open()
      const first = Redacted.value(yield* session.idToken)
      // A reset forgets every refresh token (and the user, created again with the same password).
      const { email } = yield* Effect.provide(
        Effect.flatMap(SandboxClient, (s) =>
          Effect.flatMap(s.accounts, (accounts) => Effect.as(s.reset, accounts.users[0]!))),
        sandbox
      )
      yield* Effect.provide(
        Effect.flatMap(SandboxClient, (s) =>
          s.createUser({ email, password: Redacted.make("correct horse battery") })),
        sandbox
      )
      yield* session.refresh
      expect(traffic.of(...REFRESH).map((e) => e.status)).toEqual([403])
      expect(traffic.of(...LOGIN).map((e) => e.status)).toEqual([200, 200])
      expect(Redacted.value(yield* session.idToken)).not.toBe(first)
    }))

  it.effect("OTP calls and the step-up are typed: MethodNotAllowed, InvalidOtp, then a proof made with oathtool codes", () =>
    Effect.gen(function*() {
      const { open } = yield* setUp
      const session = yield* open({ device: "rampart-effect4 test" })
      expect(yield* Effect.flip(session.otp.requestCode({ query: { method: "TOTP" } }))).toBeInstanceOf(
        MethodNotAllowed
      )
      expect(yield* Effect.flip(session.stepUp("123456"))).toBeInstanceOf(NotConfigured)
      const enrolment = yield* session.otp.createTotpSecret({ payload: {} })
      expect(enrolment.totp.uri.startsWith("otpauth://totp/")).toBe(true)
      expect(enrolment.lastLoggedDevice).toBe("rampart-effect4 test")
      const now = Math.floor(Date.now() / 1000)
      // Validate the secret with the current step's code, then step up with the next step's (single use).
      const validated = yield* session.otp.verifyCode({
        headers: { "x-otp": yield* Effect.promise(() => oathtool(enrolment.totp.secret, now)) },
        payload: new VerifyOtpRequest({ channel: "TOTP" })
      })
      expect(validated.hasValidatedSecret).toBe(true)
      expect(yield* Effect.flip(session.stepUp("000000"))).toBeInstanceOf(InvalidOtp)
      const proof = yield* session.stepUp(yield* Effect.promise(() => oathtool(enrolment.totp.secret, now + 30)))
      expect(proof).toBeInstanceOf(StepUpProof)
      expect(proof.channel).toBe("TOTP")
      expect(proof.verifiedAt).toBeInstanceOf(Date)
    }))
})
