/** Every recipe in docs/recipes/ is backed by a file under examples/ that runs here. */
import * as HttpServer from "@effect/platform/HttpServer"
import * as SqlClient from "@effect/sql/SqlClient"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Layer, ManagedRuntime, Option, Redacted } from "effect"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { runEmbedded } from "../../examples/embed-domain-layers.js"
import * as embedInApi from "../../examples/embed-in-your-api.js"
import * as typedFailures from "../../examples/embed-typed-failures.js"
import * as enrolTotp from "../../examples/enrol-totp.js"
import * as keepFresh from "../../examples/keep-session-fresh.js"
import * as partnerSession from "../../examples/partner-session.js"
import * as protectHttpApi from "../../examples/protect-your-httpapi.js"
import * as receiveEvents from "../../examples/receive-security-events.js"
import * as requireFreshOtp from "../../examples/require-fresh-otp.js"
import * as securityAlerts from "../../examples/security-alerts.js"
import * as stepUp from "../../examples/step-up-email.js"
import { codeExpiryScenario, layerSandbox } from "../../examples/testing-with-testclock.js"
import * as typedErrors from "../../examples/typed-errors.js"
import { defaultEventFeedTiming, layerServerConfig } from "../../src/Server/Config.js"
import { layerDatabase } from "../../src/Server/Store/Database.js"
import { call } from "../support/Http.js"
import { type RunningServer, startServer } from "../support/Server.js"
import { testSettings } from "../support/Services.js"
import { freshSqliteUrl, storeKinds } from "../support/Stores.js"

describe("recipe: embedding the domain Layers", () => {
  it.each(storeKinds)("runs on %s", async (_kind, fresh) => {
    const result = await Effect.runPromise(runEmbedded(await fresh()))
    expect(result.profile.lastLoggedDevice).toBe("billing-service/1.0")
    expect(result.status.channel).toBe("EMAIL")
    expect(result.code).toMatch(/^[0-9]{6}$/)
  })
})

describe("recipe: alerting on security events", () => {
  it.each(storeKinds)("a replayed TOTP code and an OTP lock each raise one alert on %s", async (_kind, fresh) => {
    const { alerts, userId } = await Effect.runPromise(securityAlerts.run(await fresh()))
    expect(alerts.map((alert) => [alert.type, alert.userId])).toEqual([
      ["totp.replayed", userId],
      ["otp.locked", userId]
    ])
  })
})

describe("recipe: testing with TestClock", () => {
  it.effect("a code expires at 5:00 and resends wait 60 s", () =>
    Effect.gen(function*() {
      const { expired, tooSoon } = yield* codeExpiryScenario
      expect(tooSoon).toMatchObject({ _tag: "AttemptsExhausted", retryAfterSeconds: 50 })
      expect(expired._tag).toBe("InvalidOtp")
    }).pipe(Effect.provide(layerSandbox)))
})

describe("client recipes against the in-process server", () => {
  let server: RunningServer
  const password = "recipe password 1"
  const newUser = async () => {
    const email = `recipe-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}@example.com`
    expect((await call(server.url, "POST", "/sandbox/users", { body: { email, password } })).status).toBe(201)
    return email
  }
  beforeAll(async () => {
    server = await startServer(freshSqliteUrl())
  })
  afterAll(() => server.close())

  it("protects your own HttpApi with Rampart idTokens: 200 with the token, AuthError without", async () => {
    const email = await newUser()
    const result = await Effect.runPromise(protectHttpApi.run(server.url, email, password))
    expect(result.balance).toMatchObject({ email, amount: 42 })
    expect(result.refused).toBe("AuthError")
  })

  it("keeps a session fresh", async () => {
    const result = await Effect.runPromise(keepFresh.run(server.url, await newUser(), password))
    expect(result.channel).toBe("EMAIL")
    expect(result.tokenLength).toBeGreaterThan(100)
  })

  it("enrols and validates TOTP", async () => {
    const result = await Effect.runPromise(enrolTotp.run(server.url, await newUser(), password))
    expect(result.uri).toMatch(/^otpauth:\/\/totp\/Rampart:/)
    expect(result.hasValidatedSecret).toBe(true)
  })

  it("steps up with an EMAIL code in x-otp", async () => {
    const result = await Effect.runPromise(stepUp.run(server.url, await newUser(), password))
    expect(result.hasValidatedEmail).toBe(true)
  })

  it("runs a partner session with automatic security codes and logs out on close", async () => {
    const email = `partner-recipe-${Date.now().toString(36)}@example.com`
    const creds = (await call(server.url, "POST", "/sandbox/partners", { body: { email, password } })).body
    const token = await Effect.runPromise(
      Effect.scoped(
        partnerSession.run(server.url, {
          email,
          password,
          clientId: creds.client_id,
          clientSecret: creds.client_secret,
          totpSecret: creds.totp_secret
        })
      )
    )
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect((await call(server.url, "POST", "/api/v1/partners/auth/logout", { token })).status).toBe(403)
  })

  it("recovers typed errors by tag", async () => {
    const email = await newUser()
    const [[first, second], refused] = await Effect.runPromise(typedErrors.run(server.url, email, password))
    expect(first.sent).toBe(true)
    expect(second).toMatchObject({ sent: false })
    expect(second.sent === false && second.retryAfterSeconds).toBeGreaterThanOrEqual(59)
    expect(refused).toBe("refused: Invalid email or password")
  })
})

describe("recipe: require a fresh OTP before a withdrawal", () => {
  const password = "recipe password 1"
  it("requires a fresh OTP before a withdrawal: an EMAIL code passes once, names EMAIL", async () => {
    const own = await startServer(freshSqliteUrl()) // its clock moves: a server of its own
    const email = "withdrawal@example.com"
    expect((await call(own.url, "POST", "/sandbox/users", { body: { email, password } })).status).toBe(201)
    // The email is validated first (one EMAIL code); the next code may be sent 60 s later.
    const token = (await call(own.url, "POST", "/auth/login", { body: { email, password } })).body.idToken
    await call(own.url, "GET", "/auth/otp/code?method=EMAIL", { token })
    const code = (await call(own.url, "GET", `/sandbox/outbox?to=${email}`)).body[0].code
    const verified = await call(own.url, "POST", "/auth/otp/code", {
      token,
      headers: { "x-otp": code },
      body: { channel: "EMAIL" }
    })
    expect(verified.status).toBe(200)
    await call(own.url, "POST", "/sandbox/clock", { body: { advanceSeconds: 61 } })
    const result = await Effect.runPromise(requireFreshOtp.run(own.url, email, password))
    expect(result.withdrawal).toMatchObject({ email, channel: "EMAIL", amount: 100 })
    expect(result.again).toBe("InvalidOtp")
    await own.close()
  })
})

describe("recipe: receive the security-event feed", () => {
  it("a Rampart server with the feed on delivers its events to the receiver, signed", async () => {
    const secret = "the shared secret of the recipe"
    const receiver = await receiveEvents.startReceiver(secret)
    const server = await startServer(freshSqliteUrl(), {
      eventsWebhook: Option.some({ url: receiver.url, secret: Redacted.make(secret) }),
      eventFeedTiming: { ...defaultEventFeedTiming, pollInterval: Duration.millis(50) }
    })
    try {
      const password = "recipe password 1"
      await call(server.url, "POST", "/sandbox/users", { body: { email: "fed@example.com", password } })
      await call(server.url, "POST", "/auth/login", { body: { email: "fed@example.com", password: "wrong one!" } })
      await call(server.url, "POST", "/auth/login", { body: { email: "fed@example.com", password } })
      const deadline = Date.now() + 10_000
      while (receiver.events.size < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
      expect([...receiver.events.values()].map((event) => event.type)).toEqual(["login.refused", "login.succeeded"])
      // A POST that is not signed with the secret is refused by the receiver.
      const forged = await fetch(receiver.url, {
        method: "POST",
        body: "[]",
        headers: { "Rampart-Signature": "t=1,v1=00" }
      })
      expect(forged.status).toBe(401)
    } finally {
      await server.close()
      receiver.server.close()
    }
  })
})

describe("recipe: Rampart inside your service (your database, your HttpApi)", () => {
  it("your table and Rampart's share one SqlClient; one server answers Rampart's routes and yours", async () => {
    const runtime = ManagedRuntime.make(
      embedInApi.layerService(0).pipe(
        Layer.provideMerge(layerServerConfig(testSettings("sqlite:unused"))),
        Layer.provideMerge(layerDatabase(freshSqliteUrl())) // stands for your own SqlClient
      )
    )
    try {
      const url = await runtime.runPromise(
        HttpServer.addressWith((address) =>
          Effect.succeed(`http://127.0.0.1:${address._tag === "TcpAddress" ? address.port : 0}`)
        )
      )
      await runtime.runPromise(
        Effect.flatMap(SqlClient.SqlClient, (sql) => sql`CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)`)
      )
      const password = "recipe password 1"
      expect((await call(url, "POST", "/sandbox/users", { body: { email: "svc@example.com", password } })).status).toBe(
        201
      )
      const login = await call(url, "POST", "/auth/login", { body: { email: "svc@example.com", password } })
      const balance = await call(url, "GET", "/wallet/balance", { token: login.body.idToken })
      expect(balance).toEqual({ status: 200, body: { email: "svc@example.com" } })
      expect((await call(url, "GET", "/nowhere")).body._tag).toBe("NotFound")
    } finally {
      await runtime.dispose()
    }
  })
})

describe("recipe: what an embedding program can count on", () => {
  it("a failed delivery is a typed DeliveryError, recovered as a value", async () => {
    const state = mkdtempSync(join(tmpdir(), "rampart-recipe-"))
    const result = await Effect.runPromise(typedFailures.run(state, `sqlite:${join(state, "r.db")}`))
    expect(result).toMatch(/^not sent: webhook delivery failed/)
  })
})
