/**
 * The typed client: every group against the real server with typed errors, a contract-breaking
 * server as a typed ParseError, the retry policy (only retry-safe requests, capped backoff), the
 * per-attempt timeout, and configuration from `Config`.
 */
import { HttpClient, HttpClientError, type HttpClientRequest, HttpClientResponse } from "@effect/platform"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { ConfigError, ConfigProvider, Duration, Effect, Fiber, Layer, Redacted, TestClock } from "effect"
import { AuthClient, authClientConfig, isRetrySafe } from "../../src/Client/AuthClient.js"
import { LoginRequest, RefreshRequest } from "../../src/Domain/Credentials.js"
import { AlreadyConfigured, AuthError, InternalError } from "../../src/Domain/Errors.js"
import { VerifyOtpRequest } from "../../src/Domain/Otp.js"
import { PartnerLoginRequest } from "../../src/Domain/Partner.js"
import { CreateAccountRequest } from "../../src/Domain/Sandbox.js"
import { type RunningServer, startServer } from "../support/Server.js"
import { freshSqliteUrl } from "../support/Stores.js"

let server: RunningServer
beforeAll(async () => {
  server = await startServer(freshSqliteUrl())
})
afterAll(() => server.close())

let counter = 0
const email = () => `client${Date.now().toString(36)}${counter++}@example.com`
const password = Redacted.make("client password 123")

const jsonResponse = (request: HttpClientRequest.HttpClientRequest, status: number, body: unknown) =>
  HttpClientResponse.fromWeb(
    request,
    new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } })
  )

/** A transport answering with `answer`; records the TestClock time of every attempt. */
const fakeServer = (
  answer: (request: HttpClientRequest.HttpClientRequest, attempt: number) => Effect.Effect<
    HttpClientResponse.HttpClientResponse,
    HttpClientError.HttpClientError
  >,
  options: { readonly timeout?: Duration.DurationInput } = {}
) => {
  const attempts: Array<{ readonly url: string; readonly at: number }> = []
  const transport = HttpClient.make((request) =>
    Effect.flatMap(TestClock.currentTimeMillis, (at) => {
      attempts.push({ url: request.url, at })
      return answer(request, attempts.filter((a) => a.url === request.url).length)
    })
  )
  const layer = AuthClient.layerWithHttpClient({ baseUrl: "http://rampart.test", ...options }).pipe(
    Layer.provide(Layer.succeed(HttpClient.HttpClient, transport))
  )
  return { attempts, layer }
}

const transportError = (request: HttpClientRequest.HttpClientRequest) =>
  Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", description: "connection reset" }))

/** Runs `effect` in a fiber while the TestClock moves a minute ahead (retries and timeouts sleep on it). */
const withTimePassing = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(effect)
    yield* TestClock.adjust("1 minute")
    return yield* Fiber.join(fiber)
  })

describe("AuthClient against the real server", () => {
  const provideClient = Effect.provide(Layer.suspend(() => AuthClient.layer({ baseUrl: server.url })))

  it.live("every group is typed: successes decode to the contract's schemas, errors to its tagged errors", () =>
    Effect.gen(function*() {
      const client = yield* AuthClient
      expect(yield* client.operations.health()).toMatchObject({ status: "ok", store: "sqlite" })
      expect((yield* client.operations.jwks()).keys[0]).toMatchObject({ kty: "OKP", crv: "Ed25519" })

      const address = email()
      const created = yield* client.sandbox.createUser({
        payload: new CreateAccountRequest({ email: address, password })
      })
      expect(created.email).toBe(address)
      expect(created.lastLoggedDate).toBeNull()
      const taken = yield* Effect.flip(
        client.sandbox.createUser({ payload: new CreateAccountRequest({ email: address, password }) })
      )
      expect(taken).toBeInstanceOf(AlreadyConfigured)

      const login = yield* client.auth.login({ payload: new LoginRequest({ email: address, password }) })
      expect(login.idToken.split(".")).toHaveLength(3)
      const refreshed = yield* client.auth.refresh({
        payload: new RefreshRequest({ refreshToken: Redacted.make(login.refreshToken) })
      })
      expect(refreshed.idToken).not.toBe(login.idToken)

      const wrong = yield* Effect.flip(
        client.auth.login({ payload: new LoginRequest({ email: address, password: Redacted.make("not it at all") }) })
      )
      expect(wrong).toBeInstanceOf(AuthError)
      // The plain client sends no bearer: the security middleware's AuthError is in the error channel.
      const anonymous = yield* Effect.flip(client.otp.verifyCode({
        headers: { "x-otp": "123456" },
        payload: new VerifyOtpRequest({ channel: "EMAIL" })
      }))
      expect(anonymous).toBeInstanceOf(AuthError)
      expect(yield* Effect.flip(client.partners.logout())).toBeInstanceOf(AuthError)
      expect(yield* client.sandbox.outbox({ urlParams: { to: address } })).toEqual([])
    }).pipe(provideClient))

  it.live("a request the contract refuses is a typed ParseError before anything is sent", () =>
    Effect.gen(function*() {
      const client = yield* AuthClient
      const error = yield* Effect.flip(
        client.auth.login({ payload: new LoginRequest({ email: "not an email", password }, true) })
      )
      expect(error._tag).toBe("ParseError")
    }).pipe(provideClient))

  it.live("configured from RAMPART_URL through Config", () =>
    Effect.gen(function*() {
      const client = yield* AuthClient
      expect((yield* client.operations.health()).status).toBe("ok")
    }).pipe(
      Effect.provide(Layer.suspend(() =>
        AuthClient.layerConfig.pipe(
          Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map([["RAMPART_URL", server.url]]))))
        )
      ))
    ))
})

describe("AuthClient against a server that breaks the contract", () => {
  it.effect("a success body of the wrong shape is a typed ParseError, not a defect", () => {
    const fake = fakeServer((request) => Effect.succeed(jsonResponse(request, 200, { status: "sick" })))
    return Effect.gen(function*() {
      const client = yield* AuthClient
      const error = yield* Effect.flip(client.operations.health())
      expect(error._tag).toBe("ParseError")
      const login = yield* Effect.flip(client.auth.login({ payload: new LoginRequest({ email: "a@b.co", password }) }))
      expect(login._tag).toBe("ParseError")
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("an error body of the wrong shape is a typed ParseError; an undocumented status a ResponseError", () => {
    const fake = fakeServer((request) =>
      Effect.succeed(
        request.url.endsWith("/auth/login")
          ? jsonResponse(request, 403, { _tag: "Forbidden", reason: 1 })
          : jsonResponse(request, 418, { teapot: true })
      )
    )
    return Effect.gen(function*() {
      const client = yield* AuthClient
      const login = yield* Effect.flip(client.auth.login({ payload: new LoginRequest({ email: "a@b.co", password }) }))
      expect(login._tag).toBe("ParseError")
      const health = yield* Effect.flip(client.operations.health())
      expect(health._tag).toBe("ResponseError")
    }).pipe(Effect.provide(fake.layer))
  })
})

describe("AuthClient retry policy", () => {
  it("retry-safe: health, jwks, outbox and refresh; not login, code requests, verification, partner login", () => {
    const request = (method: "GET" | "POST" | "DELETE", path: string) =>
      ({ method, url: `http://127.0.0.1:8080${path}` }) as HttpClientRequest.HttpClientRequest
    expect(isRetrySafe(request("GET", "/health"))).toBe(true)
    expect(isRetrySafe(request("GET", "/.well-known/jwks.json"))).toBe(true)
    expect(isRetrySafe(request("GET", "/sandbox/outbox?to=a%40b.co"))).toBe(true)
    expect(isRetrySafe(request("POST", "/auth/login/refresh"))).toBe(true)
    expect(isRetrySafe(request("POST", "/auth/login"))).toBe(false)
    expect(isRetrySafe(request("GET", "/auth/otp/code?method=EMAIL"))).toBe(false)
    expect(isRetrySafe(request("POST", "/auth/otp/code"))).toBe(false)
    expect(isRetrySafe(request("DELETE", "/auth/otp/methods/totp"))).toBe(false)
    expect(isRetrySafe(request("POST", "/api/v1/partners/auth/login"))).toBe(false)
    expect(isRetrySafe(request("POST", "/health"))).toBe(false)
  })

  it.effect("transport errors on a retry-safe request: retried with growing, jittered delays until it succeeds", () => {
    const fake = fakeServer((request, attempt) =>
      attempt <= 3
        ? transportError(request)
        : Effect.succeed(jsonResponse(request, 200, { status: "ok", store: "sqlite" }))
    )
    return Effect.gen(function*() {
      const client = yield* AuthClient
      const health = yield* withTimePassing(client.operations.health())
      expect(health.status).toBe("ok")
      expect(fake.attempts).toHaveLength(4)
      const gaps = fake.attempts.slice(1).map((a, i) => a.at - fake.attempts[i]!.at)
      // 100 ms doubling, ×0.8..1.2 jitter.
      expect(gaps[0]).toBeGreaterThanOrEqual(80)
      expect(gaps[0]).toBeLessThanOrEqual(120)
      expect(gaps[1]).toBeGreaterThanOrEqual(160)
      expect(gaps[1]).toBeLessThanOrEqual(240)
      expect(gaps[2]).toBeGreaterThanOrEqual(320)
      expect(gaps[2]).toBeLessThanOrEqual(480)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("at most 3 retries: a refresh answered 500 four times fails with the server's InternalError", () => {
    const fake = fakeServer((request) =>
      Effect.succeed(jsonResponse(request, 500, { _tag: "InternalError", message: "Internal error" }))
    )
    return Effect.gen(function*() {
      const client = yield* AuthClient
      const error = yield* Effect.flip(withTimePassing(
        client.auth.refresh({ payload: new RefreshRequest({ refreshToken: Redacted.make("x".repeat(43)) }) })
      ))
      expect(error).toBeInstanceOf(InternalError)
      expect(fake.attempts).toHaveLength(4)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("a 503 then a success on the outbox: retried, answered with the success", () => {
    const fake = fakeServer((request, attempt) =>
      Effect.succeed(attempt === 1 ? jsonResponse(request, 503, {}) : jsonResponse(request, 200, []))
    )
    return Effect.gen(function*() {
      const client = yield* AuthClient
      expect(yield* withTimePassing(client.sandbox.outbox({ urlParams: { to: "a@b.co" } }))).toEqual([])
      expect(fake.attempts).toHaveLength(2)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("never retried: login, code request, OTP verification, partner login (one attempt each)", () => {
    const fake = fakeServer((request) => transportError(request))
    return Effect.gen(function*() {
      const client = yield* AuthClient
      const calls = [
        client.auth.login({ payload: new LoginRequest({ email: "a@b.co", password }) }),
        client.otp.requestCode({ urlParams: { method: "EMAIL" } }),
        client.otp.verifyCode({ headers: { "x-otp": "123456" }, payload: new VerifyOtpRequest({ channel: "TOTP" }) }),
        client.partners.login({
          payload: new PartnerLoginRequest({
            email: "a@b.co",
            password,
            client_id: 1,
            client_secret: Redacted.make("s"),
            security_code: "123456"
          })
        })
      ]
      for (const call of calls) {
        const error = yield* Effect.flip(withTimePassing<unknown, { readonly _tag: string }, never>(call))
        expect(error._tag).toBe("RequestError")
      }
      expect(fake.attempts).toHaveLength(calls.length)
    }).pipe(Effect.provide(fake.layer))
  })

  it.effect("each attempt times out: a silent server is a transport RequestError after 4 attempts (1 for login)", () => {
    const fake = fakeServer(() => Effect.never, { timeout: "2 seconds" })
    return Effect.gen(function*() {
      const client = yield* AuthClient
      const error = yield* Effect.flip(withTimePassing(client.operations.health()))
      expect(error).toBeInstanceOf(HttpClientError.RequestError)
      expect((error as HttpClientError.RequestError).reason).toBe("Transport")
      expect(error.message).toContain("no response within 2s")
      expect(fake.attempts).toHaveLength(4)
      expect(fake.attempts[1]!.at - fake.attempts[0]!.at).toBeGreaterThanOrEqual(2000)
      yield* Effect.flip(
        withTimePassing(client.auth.login({ payload: new LoginRequest({ email: "a@b.co", password }) }))
      )
      expect(fake.attempts).toHaveLength(5)
    }).pipe(Effect.provide(fake.layer))
  })
})

describe("AuthClient configuration", () => {
  const read = (entries: ReadonlyArray<readonly [string, string]>) =>
    authClientConfig.pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map(entries))))

  it.effect("defaults: http://127.0.0.1:8080 and 10 seconds", () =>
    Effect.gen(function*() {
      const settings = yield* read([])
      expect(settings.baseUrl).toBe("http://127.0.0.1:8080")
      expect(Duration.toMillis(settings.timeout)).toBe(10_000)
    }))

  it.effect("RAMPART_URL and RAMPART_CLIENT_TIMEOUT as a duration or as seconds; a bad URL is a ConfigError", () =>
    Effect.gen(function*() {
      const custom = yield* read([["RAMPART_URL", "https://auth.example.com/rampart"], [
        "RAMPART_CLIENT_TIMEOUT",
        "500 millis"
      ]])
      expect(custom.baseUrl).toBe("https://auth.example.com/rampart")
      expect(Duration.toMillis(custom.timeout)).toBe(500)
      expect(Duration.toMillis((yield* read([["RAMPART_CLIENT_TIMEOUT", "2.5"]])).timeout)).toBe(2500)
      const bad = yield* Effect.flip(read([["RAMPART_URL", "not a url"]]))
      expect(ConfigError.isConfigError(bad)).toBe(true)
    }))
})
