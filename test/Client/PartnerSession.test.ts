/**
 * `PartnerSession` against the real server: the basic flow in real time, then the TOTP-step rule,
 * renewal before `expires_in` runs out and logout on scope close under `TestClock` (the server is
 * built inside those tests, so its sessions expire and its TOTP steps advance with the TestClock;
 * the client's per-attempt timeout is off there, see Session.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Chunk, Clock, Context, Duration, Effect, Either, Fiber, Layer, Redacted, TestClock } from "effect"
import { randomBytes } from "node:crypto"
import { AuthClient } from "../../src/Client/AuthClient.js"
import { PartnerSession, type PartnerSessionOptions } from "../../src/Client/PartnerSession.js"
import { AuthError, InvalidOtp } from "../../src/Domain/Errors.js"
import { CreateAccountRequest } from "../../src/Domain/Sandbox.js"
import { UsersRepo } from "../../src/Server/Accounts/UsersRepo.js"
import { SecretBox } from "../../src/Server/Crypto/SecretBox.js"
import { layerInProcessServer, ServerUrl } from "../../src/Server/InProcess.js"
import { totpAad } from "../../src/Server/Otp/UserTotp.js"
import { Partners } from "../../src/Server/Partners/Partners.js"
import { Sandbox } from "../../src/Server/Sandbox/Sandbox.js"
import { Totp, totpAt } from "../../src/Totp.js"
import { base32 } from "../support/Base32.js"
import { call } from "../support/Http.js"
import { type RunningServer, startServer } from "../support/Server.js"
import { T0, testSettings } from "../support/Services.js"
import { freshSqliteUrl } from "../support/Stores.js"
import { makeTraffic } from "../support/Traffic.js"

const LOGIN = ["POST", "/api/v1/partners/auth/login"] as const
const LOGOUT = ["POST", "/api/v1/partners/auth/logout"] as const
const password = "partner password 123"
let counter = 0
const email = () => `partner${Date.now().toString(36)}${counter++}@example.com`

/** Waits in real time (not TestClock time) for loopback I/O. */
const realPause = (millis: number) => Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, millis)))

describe("PartnerSession in real time", () => {
  let server: RunningServer
  beforeAll(async () => {
    server = await startServer(freshSqliteUrl())
  })
  afterAll(() => server.close())

  /** Whether the server accepts `token` as a live partner session (without touching it). */
  const accepted = (token: Redacted.Redacted<string>) =>
    Effect.promise(() =>
      server.runtime.runPromise(Effect.either(Effect.flatMap(Partners, (p) => p.authenticate(token))))
    )

  it.live("logs in with a TOTP security code, authenticates calls, logs out when its scope closes", () => {
    const traffic = makeTraffic()
    return Effect.gen(function*() {
      const client = yield* AuthClient
      const address = email()
      const creds = yield* client.sandbox.createPartner({
        payload: new CreateAccountRequest({ email: address, password: Redacted.make(password) })
      })
      const options: PartnerSessionOptions = {
        email: address,
        password: Redacted.make(password),
        clientId: creds.client_id,
        clientSecret: Redacted.make(creds.client_secret),
        totpSecret: Redacted.make(creds.totp_secret)
      }
      const token = yield* Effect.scoped(Effect.gen(function*() {
        const session = yield* PartnerSession.make(options)
        const token = yield* session.accessToken
        expect(Redacted.value(token)).toMatch(/^[A-Za-z0-9_-]{43}$/)
        const partner = yield* session.withAuth((token) => Effect.flatten(accepted(token)))
        expect(partner.clientId).toBe(creds.client_id)
        expect(yield* session.accessToken).toBe(token) // no second login while the session is fresh
        expect(traffic.of(...LOGIN).map((e) => e.status)).toEqual([200])
        return token
      }))
      expect(traffic.of(...LOGOUT).map((e) => e.status)).toEqual([204])
      const afterClose = yield* accepted(token)
      expect(Either.isLeft(afterClose) && afterClose.left).toBeInstanceOf(AuthError)
      expect(
        (yield* Effect.promise(() =>
          call(server.url, "POST", "/api/v1/partners/auth/logout", { token: Redacted.value(token) })
        )).status
      )
        .toBe(403)

      // Refused credentials: a typed AuthError from make (nothing is left running).
      const refused = yield* Effect.flip(
        Effect.scoped(PartnerSession.make({ ...options, clientSecret: Redacted.make("not the client secret") }))
      )
      expect(refused).toBeInstanceOf(AuthError)
      // A malformed TOTP secret is a typed failure before anything is sent.
      const sent = traffic.exchanges.length
      const malformed = yield* Effect.flip(
        Effect.scoped(PartnerSession.make({ ...options, totpSecret: Redacted.make("1!") }))
      )
      expect(malformed._tag).toBe("TotpFormatError")
      expect(traffic.exchanges.length).toBe(sent)
    }).pipe(
      Effect.provide(Totp.Default),
      Effect.provide(Layer.suspend(() => AuthClient.layer({ baseUrl: server.url, transformClient: traffic.transform })))
    )
  })
})

describe("PartnerSession under TestClock", () => {
  /** The server under this test's TestClock, a partner on it, and a recorded client. */
  const setUp = (start: number) =>
    Effect.gen(function*() {
      yield* TestClock.setTime(start)
      const server = yield* Layer.build(layerInProcessServer(testSettings(freshSqliteUrl())))
      const address = email()
      const creds = yield* Effect.provide(
        Effect.flatMap(Sandbox, (sandbox) => sandbox.createPartner(address, Redacted.make(password))),
        server
      )
      const traffic = makeTraffic()
      const url = Context.get(server, ServerUrl)
      const client = yield* Layer.build(
        AuthClient.layer({ baseUrl: url, timeout: Duration.infinity, transformClient: traffic.transform })
      )
      const options: PartnerSessionOptions = {
        email: address,
        password: Redacted.make(password),
        clientId: creds.client_id,
        clientSecret: Redacted.make(creds.client_secret),
        totpSecret: Redacted.make(creds.totp_secret)
      }
      const open = (overrides: Partial<PartnerSessionOptions> = {}) =>
        PartnerSession.make({ ...options, ...overrides }).pipe(Effect.provide(Totp.Default), Effect.provide(client))
      /** The server's verdict on a token: the live session behind it, or AuthError. */
      const authenticate = (token: Redacted.Redacted<string>) =>
        Effect.provide(Effect.flatMap(Partners, (partners) => partners.authenticate(token)), server)
      /** Revokes a token on the server, as if its session had been closed elsewhere. */
      const revoke = (token: Redacted.Redacted<string>) =>
        Effect.provide(
          Effect.flatMap(Partners, (partners) =>
            Effect.flatMap(
              Effect.orDie(partners.authenticate(token)),
              (session) => partners.logout(session.sessionId)
            )),
          server
        )
      /** A login made outside the session (another client, or a person with oathtool) with `code`. */
      const loginElsewhere = (code: string) =>
        Effect.promise(() =>
          call(url, "POST", "/api/v1/partners/auth/login", {
            body: {
              email: address,
              password,
              client_id: creds.client_id,
              client_secret: creds.client_secret,
              security_code: code
            }
          })
        )
      const codeAt = (millis: number) => Either.getOrThrow(totpAt(creds.totp_secret, Math.floor(millis / 1000)))
      return { creds, traffic, open, authenticate, revoke, loginElsewhere, codeAt }
    })

  it.scoped("a second login in the same TOTP step waits for the next step; no code is ever refused", () =>
    Effect.gen(function*() {
      const start = T0 + 10_000 // 10 s into a step
      const { authenticate, codeAt, creds, loginElsewhere, open, revoke, traffic } = yield* setUp(start)
      const session = yield* open()
      const first = yield* session.accessToken
      // Why the session must wait: the server refuses a second code from the same step.
      const sameStep = yield* loginElsewhere(codeAt(start + 5_000))
      expect(sameStep).toMatchObject({ status: 401, body: { _tag: "InvalidOtp" } })
      yield* revoke(first)

      // Five callers find the token refused at once; one new login is needed, in the same step.
      const fiber = yield* Effect.fork(
        Effect.all(Array.from({ length: 5 }, () => session.withAuth(authenticate)), { concurrency: "unbounded" })
      )
      const boundary = T0 + 30_000
      for (let i = 0; i < 500; i++) {
        if (Chunk.toReadonlyArray(yield* TestClock.sleeps()).includes(boundary)) break
        yield* realPause(10)
      }
      expect(Chunk.toReadonlyArray(yield* TestClock.sleeps())).toContain(boundary)
      yield* realPause(50)
      expect(yield* Fiber.poll(fiber)).toMatchObject({ _tag: "None" }) // still waiting for the step
      expect(traffic.of(...LOGIN)).toHaveLength(1)

      yield* TestClock.adjust("20 seconds")
      const partners = yield* Fiber.join(fiber)
      expect(partners.map((p) => p.clientId)).toEqual(Array(5).fill(creds.client_id))
      const logins = traffic.of(...LOGIN)
      expect(logins.map((e) => e.status)).toEqual([200, 200])
      expect(logins.map((e) => e.at)).toEqual([start, boundary])
      expect(traffic.maxTokenRequestsInFlight()).toBe(1)
      expect(Redacted.value(yield* session.accessToken)).not.toBe(Redacted.value(first))
    }))

  it.scoped("logs in again before expires_in runs out: expires_in 120 s, margin 60 s → every 60 s, each a new step", () =>
    Effect.gen(function*() {
      const start = T0 + 10_000
      const { authenticate, open, traffic } = yield* setUp(start)
      const last = yield* Effect.scoped(Effect.gen(function*() {
        const session = yield* open({ expiresIn: 120 })
        for (let tick = 1; tick <= 60; tick++) {
          yield* TestClock.adjust("10 seconds")
          // Every token handed out is live on the server.
          yield* Effect.flatMap(session.accessToken, authenticate)
        }
        return yield* session.accessToken
      }))
      const logins = traffic.of(...LOGIN)
      // Login at 10 s, then at 70, 130, ..., 610 s: 11 in 600 s.
      expect(logins.map((e) => (e.at - T0) / 1000)).toEqual(Array.from({ length: 11 }, (_, i) => 10 + 60 * i))
      expect(logins.every((e) => e.status === 200)).toBe(true)
      expect(traffic.maxTokenRequestsInFlight()).toBe(1)
      // The scope closed: the last token was logged out and is refused.
      expect(traffic.of(...LOGOUT).map((e) => e.status)).toEqual([204])
      expect(yield* Effect.flip(authenticate(last))).toBeInstanceOf(AuthError)
    }))

  it.scoped("a code refused because its step was used elsewhere is a typed InvalidOtp from make", () =>
    Effect.gen(function*() {
      const start = T0 + 10_000
      const { codeAt, loginElsewhere, open, traffic } = yield* setUp(start)
      expect((yield* loginElsewhere(codeAt(start))).status).toBe(200)
      const refused = yield* Effect.flip(Effect.scoped(open()))
      expect(refused).toBeInstanceOf(InvalidOtp)
      expect(traffic.of(...LOGIN).map((e) => e.status)).toEqual([401])
      // In the next step a new session logs in.
      yield* TestClock.adjust("20 seconds")
      yield* Effect.scoped(open())
      expect(traffic.of(...LOGIN).map((e) => e.status)).toEqual([401, 200])
    }))
})

describe("PartnerSession with an 80-bit authenticator secret", () => {
  let server: RunningServer
  beforeAll(async () => {
    server = await startServer(freshSqliteUrl())
  })
  afterAll(() => server.close())

  it("logs in a partner whose TOTP secret is 10 bytes, written as people paste it", async () => {
    const email = `short-secret-${Date.now().toString(36)}@example.com`
    const password = "partner password 1"
    const partner = (await call(server.url, "POST", "/sandbox/partners", { body: { email, password } })).body as {
      client_id: number
      client_secret: string
    }
    // An authenticator page's 16-character secret (10 bytes), set through the domain services.
    const secret = randomBytes(10)
    const written = base32(secret, false).toLowerCase().replace(/(.{4})(?=.)/g, "$1 ")
    await server.runtime.runPromise(
      Effect.gen(function*() {
        const users = yield* UsersRepo
        const box = yield* SecretBox
        const user = yield* Effect.flatten(users.findByEmail(email))
        const now = yield* Clock.currentTimeMillis
        yield* users.setValidatedTotpSecret(
          user.id,
          yield* box.seal(Redacted.make(base32(secret, false)), totpAad(user.id)),
          now
        )
      })
    )
    const token = await Effect.runPromise(
      Effect.flatMap(PartnerSession, (session) => session.accessToken).pipe(
        Effect.provide(
          PartnerSession.layer({
            email,
            password: Redacted.make(password),
            clientId: partner.client_id,
            clientSecret: Redacted.make(partner.client_secret),
            totpSecret: Redacted.make(written)
          })
        ),
        Effect.provide(AuthClient.layer({ baseUrl: server.url }))
      )
    )
    expect(Redacted.value(token).length).toBeGreaterThanOrEqual(43)
  })
})
