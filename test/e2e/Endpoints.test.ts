/**
 * End to end over loopback: the real server (in-process, real HTTP) answering every endpoint with
 * every documented status, on SQLite and (when configured) PostgreSQL.
 */
import { SqlClient } from "@effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { totpAt } from "../../src/Totp.js"
import { call } from "../support/Http.js"
import { type RunningServer, startServer } from "../support/Server.js"
import { storeKinds } from "../support/Stores.js"

const now = () => Math.floor(Date.now() / 1000)
const totp = (secret: string, offsetSteps = 0) => Either.getOrThrow(totpAt(secret, now() + 30 * offsetSteps))
const other = (code: string) => String((Number(code) + 500_000) % 1_000_000).padStart(6, "0")
let counter = 0
const email = () => `e2e${Date.now().toString(36)}${counter++}@example.com`
const password = "e2e password 123"

describe.each(storeKinds)("HTTP endpoints on %s", (_kind, fresh) => {
  let server: RunningServer
  let base: string
  const http = (method: string, path: string, options?: Parameters<typeof call>[3]) => call(base, method, path, options)

  /** A new user, logged in: its email and tokens. */
  const loggedIn = async () => {
    const address = email()
    expect((await http("POST", "/sandbox/users", { body: { email: address, password } })).status).toBe(201)
    const login = await http("POST", "/auth/login", { body: { email: address, password } })
    expect(login.status).toBe(200)
    return { email: address, idToken: login.body.idToken as string, refreshToken: login.body.refreshToken as string }
  }

  beforeAll(async () => {
    server = await startServer(await fresh())
    base = server.url
  })
  afterAll(() => server.close())

  it("POST /auth/login: 200 with tokens, 403 identical for unknown email and wrong password, 400 naming the field", async () => {
    const user = await loggedIn()
    expect(user.idToken.split(".")).toHaveLength(3)
    expect(user.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const wrong = await http("POST", "/auth/login", { body: { email: user.email, password: "not the password" } })
    const unknown = await http("POST", "/auth/login", { body: { email: "nobody@example.com", password } })
    expect(wrong).toEqual({ status: 403, body: { _tag: "AuthError", message: "Invalid email or password" } })
    expect(unknown).toEqual(wrong)
    const bad = await http("POST", "/auth/login", { body: { email: "not an email", password } })
    expect(bad.status).toBe(400)
    expect(bad.body.message).toContain("email")
    const truncated = await http("POST", "/auth/login", { body: "{\"email\":" })
    expect(truncated.status).toBe(400)
    expect(truncated.body.message).toContain("not valid JSON")
  })

  it("POST /auth/login/refresh: 200 with a new idToken only, 403 for an unknown token, 400 without one", async () => {
    const user = await loggedIn()
    const refreshed = await http("POST", "/auth/login/refresh", { body: { refreshToken: user.refreshToken } })
    expect(refreshed.status).toBe(200)
    expect(Object.keys(refreshed.body)).toEqual(["idToken"])
    const profile = await http("GET", "/auth/otp/code?method=EMAIL", { token: refreshed.body.idToken })
    expect(profile.status).toBe(201)
    expect((await http("POST", "/auth/login/refresh", { body: { refreshToken: "x".repeat(43) } })).status).toBe(403)
    expect((await http("POST", "/auth/login/refresh", { body: {} })).status).toBe(400)
  })

  it("bearer security: 403 without a token, with garbage, and with a partner access token", async () => {
    expect((await http("POST", "/auth/otp/methods/totp", { body: {} })).status).toBe(403)
    expect((await http("POST", "/auth/otp/methods/totp", { body: {}, token: "a.b.c" })).body).toMatchObject({
      _tag: "AuthError"
    })
    expect((await http("POST", "/api/v1/partners/auth/logout", { token: (await loggedIn()).idToken })).status).toBe(403)
  })

  it("POST /auth/otp/methods/totp: 200 with secret and otpauth URI, replaced while unvalidated, 400 once validated", async () => {
    const user = await loggedIn()
    const first = await http("POST", "/auth/otp/methods/totp", { body: {}, token: user.idToken })
    expect(first.status).toBe(200)
    expect(first.body.totp.uri).toMatch(/^otpauth:\/\/totp\/Rampart:/)
    expect(first.body.hasValidatedSecret).toBe(false)
    const second = await http("POST", "/auth/otp/methods/totp", { token: user.idToken }) // no body at all
    expect(second.status).toBe(200)
    expect(second.body.totp.secret).not.toBe(first.body.totp.secret)
    const secret = second.body.totp.secret as string
    const stale = await http("POST", "/auth/otp/code", {
      body: { channel: "TOTP" },
      token: user.idToken,
      headers: { "x-otp": totp(first.body.totp.secret) }
    })
    expect(stale.status).toBe(401)
    const verified = await http("POST", "/auth/otp/code", {
      body: { channel: "TOTP" },
      token: user.idToken,
      headers: { "x-otp": totp(secret) }
    })
    expect(verified.status).toBe(200)
    expect(verified.body.hasValidatedSecret).toBe(true)
    const again = await http("POST", "/auth/otp/methods/totp", { body: {}, token: user.idToken })
    expect(again).toMatchObject({ status: 400, body: { _tag: "AlreadyConfigured" } })
    const reverify = await http("POST", "/auth/otp/code", {
      body: { channel: "TOTP" },
      token: user.idToken,
      headers: { "x-otp": totp(secret, 1) }
    })
    expect(reverify).toMatchObject({ status: 400, body: { _tag: "AlreadyConfigured" } })
  })

  it("DELETE /auth/otp/methods/totp: 400 NotConfigured, 401 InvalidOtp, 401 AttemptsExhausted, 200, 400 bad x-otp", async () => {
    const user = await loggedIn()
    const none = await http("DELETE", "/auth/otp/methods/totp", { token: user.idToken, headers: { "x-otp": "123456" } })
    expect(none).toMatchObject({ status: 400, body: { _tag: "NotConfigured" } })
    const secret = (await http("POST", "/auth/otp/methods/totp", { body: {}, token: user.idToken })).body.totp.secret
    const malformed = await http("DELETE", "/auth/otp/methods/totp", {
      token: user.idToken,
      headers: { "x-otp": "12345" }
    })
    expect(malformed.status).toBe(400)
    expect(malformed.body.message).toContain("x-otp")
    const wrong = await http("DELETE", "/auth/otp/methods/totp", {
      token: user.idToken,
      headers: { "x-otp": other(totp(secret)) }
    })
    expect(wrong).toMatchObject({ status: 401, body: { _tag: "InvalidOtp" } })
    const deleted = await http("DELETE", "/auth/otp/methods/totp", {
      token: user.idToken,
      headers: { "x-otp": totp(secret) }
    })
    expect(deleted.status).toBe(200)
    expect(deleted.body.hasValidatedSecret).toBe(false)

    const locked = await loggedIn()
    const lockedSecret =
      (await http("POST", "/auth/otp/methods/totp", { body: {}, token: locked.idToken })).body.totp.secret
    for (let i = 0; i < 10; i++) {
      await http("DELETE", "/auth/otp/methods/totp", {
        token: locked.idToken,
        headers: { "x-otp": other(totp(lockedSecret)) }
      })
    }
    const exhausted = await http("DELETE", "/auth/otp/methods/totp", {
      token: locked.idToken,
      headers: { "x-otp": totp(lockedSecret) }
    })
    expect(exhausted).toMatchObject({ status: 401, body: { _tag: "AttemptsExhausted" } })
    expect(exhausted.body.retryAfterSeconds).toBeGreaterThan(890)
  })

  it("GET /auth/otp/code: 201 EMAIL, 400 MethodNotAllowed (TOTP, SMS without phone), 401 AttemptsExhausted, 400 bad method", async () => {
    const user = await loggedIn()
    const sent = await http("GET", "/auth/otp/code?method=EMAIL", { token: user.idToken })
    expect(sent.status).toBe(201)
    expect(sent.body).toMatchObject({ channel: "EMAIL", validated: false })
    expect(new Date(sent.body.validUntil).getTime() - Date.now()).toBeGreaterThan(4 * 60_000)
    const outbox = await http("GET", `/sandbox/outbox?to=${encodeURIComponent(user.email)}`)
    expect(outbox.body[0]).toMatchObject({ channel: "EMAIL", to: user.email })
    expect(outbox.body[0].code).toMatch(/^[0-9]{6}$/)
    const again = await http("GET", "/auth/otp/code?method=EMAIL", { token: user.idToken })
    expect(again).toMatchObject({ status: 401, body: { _tag: "AttemptsExhausted" } })
    expect(again.body.retryAfterSeconds).toBeGreaterThanOrEqual(59)
    expect((await http("GET", "/auth/otp/code?method=TOTP", { token: user.idToken })).body._tag).toBe(
      "MethodNotAllowed"
    )
    expect((await http("GET", "/auth/otp/code?method=SMS", { token: user.idToken })).status).toBe(400)
    const bad = await http("GET", "/auth/otp/code?method=PIGEON", { token: user.idToken })
    expect(bad.status).toBe(400)
    expect(bad.body.message).toContain("method")
  })

  it("POST /auth/otp/code: EMAIL and SMS verified with delivered codes; 401 InvalidOtp; 400 NotConfigured / AlreadyConfigured", async () => {
    const user = await loggedIn()
    const noPhone = await http("POST", "/auth/otp/code", {
      body: { channel: "SMS" },
      token: user.idToken,
      headers: { "x-otp": "123456" }
    })
    expect(noPhone).toMatchObject({ status: 400, body: { _tag: "NotConfigured" } })
    await http("GET", "/auth/otp/code?method=EMAIL", { token: user.idToken })
    const code = (await http("GET", `/sandbox/outbox?to=${user.email}`)).body[0].code as string
    const wrong = await http("POST", "/auth/otp/code", {
      body: { channel: "EMAIL" },
      token: user.idToken,
      headers: { "x-otp": other(code) }
    })
    expect(wrong).toMatchObject({ status: 401, body: { _tag: "InvalidOtp" } })
    const ok = await http("POST", "/auth/otp/code", {
      body: { channel: "EMAIL" },
      token: user.idToken,
      headers: { "x-otp": code }
    })
    expect(ok.status).toBe(200)
    expect(ok.body.hasValidatedEmail).toBe(true)
    const twice = await http("POST", "/auth/otp/code", {
      body: { channel: "EMAIL" },
      token: user.idToken,
      headers: { "x-otp": code }
    })
    expect(twice).toMatchObject({ status: 400, body: { _tag: "AlreadyConfigured" } })

    const phone = await http("POST", "/auth/otp/methods/sms", {
      body: { phone: "612 345 678", country: "ES" },
      token: user.idToken
    })
    expect(phone.status).toBe(200)
    expect(phone.body.phoneNumber).toBe("+34612345678")
    const sms = (await http("GET", "/sandbox/outbox?to=%2B34612345678")).body[0]
    expect(sms.channel).toBe("SMS")
    const verified = await http("POST", "/auth/otp/code", {
      body: { channel: "SMS" },
      token: user.idToken,
      headers: { "x-otp": sms.code }
    })
    expect(verified.body.hasValidatedPhone).toBe(true)
    const replace = await http("POST", "/auth/otp/methods/sms", {
      body: { phone: "612345679", country: "ES" },
      token: user.idToken
    })
    expect(replace).toMatchObject({ status: 400, body: { _tag: "AlreadyConfigured" } })
    const badPhone = await http("POST", "/auth/otp/methods/sms", {
      body: { phone: "text", country: "AC" },
      token: user.idToken
    })
    expect(badPhone.status).toBe(400)
    expect(badPhone.body.message).toContain("phone")
  })

  it("POST /auth/otp/code: 401 AttemptsExhausted after 10 failures", async () => {
    const user = await loggedIn()
    const secret = (await http("POST", "/auth/otp/methods/totp", { body: {}, token: user.idToken })).body.totp.secret
    const attempt = (code: string) =>
      http("POST", "/auth/otp/code", { body: { channel: "TOTP" }, token: user.idToken, headers: { "x-otp": code } })
    for (let i = 0; i < 10; i++) expect((await attempt(other(totp(secret)))).body._tag).toBe("InvalidOtp")
    expect((await attempt(totp(secret))).body).toMatchObject({ _tag: "AttemptsExhausted" })
  })

  it("partners: 201 create, 200 login, 401 reused code, 403 bad credentials, 400 expires_in, 204 logout, 403 after", async () => {
    const address = email()
    const created = await http("POST", "/sandbox/partners", { body: { email: address, password } })
    expect(created.status).toBe(201)
    const creds = created.body
    expect(creds.client_secret.length).toBeGreaterThanOrEqual(43)
    const body = (overrides: object = {}) => ({
      email: address,
      password,
      client_id: creds.client_id,
      client_secret: creds.client_secret,
      security_code: totp(creds.totp_secret),
      ...overrides
    })
    expect((await http("POST", "/api/v1/partners/auth/login", { body: body({ expires_in: 3601 }) })).status).toBe(400)
    expect((await http("POST", "/api/v1/partners/auth/login", { body: body({ expires_in: 0 }) })).status).toBe(400)
    const badSecret = await http("POST", "/api/v1/partners/auth/login", { body: body({ client_secret: "nope" }) })
    expect(badSecret).toMatchObject({ status: 403, body: { _tag: "AuthError" } })
    const login = await http("POST", "/api/v1/partners/auth/login", { body: body({ expires_in: 16 }) })
    expect(login).toMatchObject({ status: 200, body: { expires_in: 16 } })
    const reused = await http("POST", "/api/v1/partners/auth/login", { body: body() })
    expect(reused).toMatchObject({ status: 401, body: { _tag: "InvalidOtp" } })
    const token = login.body.access_token as string
    expect((await http("POST", "/api/v1/partners/auth/logout", { token })).status).toBe(204)
    expect((await http("POST", "/api/v1/partners/auth/logout", { token })).status).toBe(403)
    const taken = await http("POST", "/sandbox/partners", { body: { email: address, password } })
    expect(taken).toMatchObject({ status: 400, body: { _tag: "AlreadyConfigured" } })
  })

  it("partners: 401 AttemptsExhausted once the client is locked", async () => {
    const address = email()
    const creds = (await http("POST", "/sandbox/partners", { body: { email: address, password } })).body
    const attempt = (client_secret: string) =>
      http("POST", "/api/v1/partners/auth/login", {
        body: {
          email: address,
          password,
          client_id: creds.client_id,
          client_secret,
          security_code: totp(creds.totp_secret)
        }
      })
    for (let i = 0; i < 10; i++) expect((await attempt("wrong secret")).status).toBe(403)
    expect((await attempt(creds.client_secret)).body).toMatchObject({ _tag: "AttemptsExhausted" })
  })

  it("operations: /health, /.well-known/jwks.json, /openapi.json, /docs (offline Scalar), 413 for big bodies", async () => {
    expect((await http("GET", "/health")).body).toMatchObject({ status: "ok" })
    const jwks = (await http("GET", "/.well-known/jwks.json")).body
    expect(jwks.keys[0]).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA" })
    const openapi = (await http("GET", "/openapi.json")).body
    expect(Object.keys(openapi.paths)).toContain("/api/v1/partners/auth/login")
    const docs = await fetch(`${base}/docs`)
    const html = await docs.text()
    expect(docs.status).toBe(200)
    expect(html).not.toMatch(/<script[^>]+src=/) // the Scalar bundle is inline: no CDN
    expect(html.length).toBeGreaterThan(1_000_000)
    const big = await http("POST", "/auth/login", {
      body: JSON.stringify({ email: "a@b.co", password: "x".repeat(70_000) })
    })
    expect(big.status).toBe(413)
  })

  it("a store failure mid-request is a 503 ServiceUnavailable with Retry-After that leaks nothing", async () => {
    const user = await loggedIn()
    await server.runtime.runPromise(
      Effect.flatMap(SqlClient.SqlClient, (sql) => sql`ALTER TABLE rampart_otp_codes RENAME TO otp_codes_gone`)
    )
    try {
      const failed = await http("GET", "/auth/otp/code?method=EMAIL", { token: user.idToken })
      expect(failed).toEqual({
        status: 503,
        body: { _tag: "ServiceUnavailable", message: "The store is unavailable; nothing was changed. Retry later." }
      })
    } finally {
      await server.runtime.runPromise(
        Effect.flatMap(SqlClient.SqlClient, (sql) => sql`ALTER TABLE otp_codes_gone RENAME TO rampart_otp_codes`)
      )
    }
    expect((await http("GET", "/auth/otp/code?method=EMAIL", { token: user.idToken })).status).toBe(201)
  })
})
