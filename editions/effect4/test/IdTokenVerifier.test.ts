/**
 * `IdTokenVerifier` (Effect 4) against the Effect 3 reference server's JWKS over loopback, and its
 * bearer middleware `layerUserAuthentication` with the step-up `layerOtpVerificationRemote` in a
 * consumer `HttpApi` (test/support/Consumer.ts). Tokens are the server's own; hostile ones are
 * made here from them. The JWKS fetches are counted: a rotation costs one refetch, a flood of
 * forged `kid`s at most one per cooldown (time from `TestClock`).
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/testing/TestClock"
import { createHmac } from "node:crypto"
import type { ServerProcess } from "../../../test/support/ServerProcess.js"
import { AuthClient, IdTokenVerifier, LoginRequest, SandboxClient, Session, VerifyOtpRequest } from "../src/index.js"
import { makeConsumer } from "./support/Consumer.js"
import { oathtool, startReferenceServer } from "./support/Server.js"
import { makeTraffic } from "./support/Traffic.js"

let server: ServerProcess
beforeAll(async () => {
  server = await startReferenceServer()
})
afterAll(async () => {
  await server?.stop()
})

const JWKS = ["GET", "/.well-known/jwks.json"] as const
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url")
const parts = (token: string) => token.split(".") as [string, string, string]
const headerOf = (token: string) =>
  JSON.parse(Buffer.from(parts(token)[0], "base64url").toString()) as Record<string, unknown>
const payloadOf = (token: string) =>
  JSON.parse(Buffer.from(parts(token)[1], "base64url").toString()) as Record<string, unknown>

/** A fresh user on the server and an idToken of theirs (a real login). */
const loginFresh = Effect.gen(function*() {
  const email = `verify-${Math.random().toString(36).slice(2)}@example.com`
  const password = Redacted.make("correct horse battery")
  const sandbox = yield* SandboxClient
  yield* sandbox.createUser({ email, password })
  const client = yield* AuthClient
  const { idToken } = yield* client.auth.login({ payload: new LoginRequest({ email, password }) })
  return { email, password, idToken }
})

/** Tokens no verifier may accept, derived from a real one (`jwk` is the public key that signed it). */
const hostileTokens = (token: string, x: string): Record<string, string> => {
  const [header, payload, signature] = parts(token)
  const claims = payloadOf(token)
  const kid = headerOf(token)["kid"]
  const hs256Header = b64({ alg: "HS256", typ: "JWT", kid })
  const hs256 = `${hs256Header}.${payload}`
  return {
    "alg none": `${b64({ alg: "none", typ: "JWT", kid })}.${payload}.`,
    "HS256 keyed with the public key": `${hs256}.${createHmac("sha256", x).update(hs256).digest("base64url")}`,
    "a changed email": `${header}.${b64({ ...claims, email: "someone.else@example.com" })}.${signature}`,
    "a changed audience": `${header}.${b64({ ...claims, aud: "other" })}.${signature}`,
    "a flipped signature": `${header}.${payload}.${signature.slice(0, -2)}${signature.endsWith("AA") ? "AB" : "AA"}`,
    "two segments": `${header}.${payload}`,
    "9 KiB": `${header}.${payload}.${"A".repeat(9 * 1024)}`,
    "garbage": "not a token at all",
    "empty": ""
  }
}

const layers = (traffic = makeTraffic()) => {
  const client = AuthClient.layer({
    baseUrl: server.url,
    timeout: Duration.infinity,
    transformClient: traffic.transform
  })
  return { traffic, client: Layer.merge(client, SandboxClient.layer.pipe(Layer.provide(client))) }
}

describe("IdTokenVerifier (Effect 4) against the Effect 3 server", () => {
  it.effect("accepts the server's tokens; every hostile token and an expired one is the same AuthError", () => {
    const { client } = layers()
    return Effect.gen(function*() {
      yield* TestClock.setTime(Date.now())
      const { email, idToken } = yield* loginFresh
      const jwks = yield* Effect.flatMap(AuthClient, (c) => c.operations.jwks())
      const kid = headerOf(idToken)["kid"]
      const x = jwks.keys.find((key) => key.kid === kid)!.x!
      const verifier = yield* IdTokenVerifier
      const claims = yield* verifier.verify(idToken)
      expect(claims.email).toBe(email)
      expect(claims.amr).toEqual(["pwd"])
      for (const [name, hostile] of Object.entries(hostileTokens(idToken, x))) {
        const refused = yield* Effect.flip(verifier.verify(hostile))
        expect(refused._tag, name).toBe("AuthError")
        expect(refused.message, name).toBe("invalid or expired token")
      }
      yield* TestClock.adjust("2 hours")
      expect((yield* Effect.flip(verifier.verify(idToken)))._tag).toBe("AuthError")
    }).pipe(
      Effect.provide(IdTokenVerifier.layerJwks({ issuer: "rampart", audience: "rampart" })),
      Effect.provide(client)
    )
  })

  it.effect("a rotation costs one refetch; old tokens still pass; forged kids cost one fetch per cooldown", () => {
    const { client, traffic } = layers()
    return Effect.gen(function*() {
      yield* TestClock.setTime(Date.now())
      const verifier = yield* IdTokenVerifier
      const before = yield* loginFresh
      yield* verifier.verify(before.idToken)
      expect(traffic.of(...JWKS)).toHaveLength(1)
      const rotated = yield* Effect.flatMap(AuthClient, (c) => c.sandbox.rotateKeys({ payload: {} }))
      expect(rotated.previous).toContain(headerOf(before.idToken)["kid"])
      const after = yield* loginFresh
      expect(headerOf(after.idToken)["kid"]).toBe(rotated.kid)
      yield* TestClock.adjust("30 seconds")
      expect((yield* verifier.verify(after.idToken)).email).toBe(after.email)
      expect(yield* verifier.verify(before.idToken)).toBeDefined()
      expect(traffic.of(...JWKS)).toHaveLength(2)
      // Forged kids within one cooldown: refused, and no more fetches.
      const [, payload, signature] = parts(after.idToken)
      const forged = (i: number) => `${b64({ alg: "EdDSA", typ: "JWT", kid: `forged-${i}` })}.${payload}.${signature}`
      const refusals = yield* Effect.all(
        Array.from({ length: 20 }, (_, i) => Effect.flip(verifier.verify(forged(i)))),
        { concurrency: "unbounded" }
      )
      for (const refusal of refusals) expect(refusal._tag).toBe("AuthError")
      expect(traffic.of(...JWKS)).toHaveLength(2)
      yield* TestClock.adjust("30 seconds")
      yield* Effect.flip(verifier.verify(forged(99)))
      expect(traffic.of(...JWKS)).toHaveLength(3)
    }).pipe(
      Effect.provide(IdTokenVerifier.layerJwks({ issuer: "rampart", audience: "rampart" })),
      Effect.provide(client)
    )
  })

  it.effect("layerKeys verifies with a JWKS known in advance; a set without Ed25519 keys is a defect at start", () => {
    const { client } = layers()
    return Effect.gen(function*() {
      yield* TestClock.setTime(Date.now())
      const { email, idToken } = yield* loginFresh
      const jwks = yield* Effect.flatMap(AuthClient, (c) => c.operations.jwks())
      const claims = yield* Effect.flatMap(IdTokenVerifier, (v) => v.verify(idToken)).pipe(
        Effect.provide(IdTokenVerifier.layerKeys(jwks, { issuer: "rampart", audience: ["other", "rampart"] }))
      )
      expect(claims.email).toBe(email)
      const wrongAudience = yield* Effect.flip(Effect.flatMap(IdTokenVerifier, (v) => v.verify(idToken))).pipe(
        Effect.provide(IdTokenVerifier.layerKeys(jwks, { issuer: "rampart", audience: "other" }))
      )
      expect(wrongAudience._tag).toBe("AuthError")
      const empty = yield* Effect.exit(
        Effect.provide(
          Effect.service(IdTokenVerifier),
          IdTokenVerifier.layerKeys({ keys: [{ kty: "RSA" }] }, { issuer: "rampart", audience: "rampart" })
        )
      )
      expect(Exit.hasDies(empty)).toBe(true)
    }).pipe(Effect.provide(client))
  })

  it.live("the middlewares in a consumer HttpApi: 403 without a valid idToken, 401 without a fresh code, 200 with both", () => {
    const { client } = layers()
    const consumer = makeConsumer(server.url)
    return Effect.gen(function*() {
      const { email, password } = yield* loginFresh
      const call = (path: string, method: "GET" | "POST", headers: Record<string, string>) =>
        Effect.promise(async () => {
          const response = await consumer.handler(new Request(`http://consumer${path}`, { method, headers }))
          return { status: response.status, body: await response.json() as Record<string, unknown> }
        })
      const session = yield* Session.make({ email, password })
      const bearer = { authorization: `Bearer ${Redacted.value(yield* session.idToken)}` }
      const me = yield* call("/me", "GET", bearer)
      expect(me.status).toBe(200)
      expect(me.body["email"]).toBe(email)
      expect((yield* call("/me", "GET", {})).status).toBe(403)
      const forged = yield* call("/me", "GET", { authorization: "Bearer forged.token.value" })
      expect(forged).toEqual({ status: 403, body: { _tag: "AuthError", message: "invalid or expired token" } })
      // The step-up: a validated TOTP secret, then codes of later steps.
      const enrolment = yield* session.otp.createTotpSecret({ payload: {} })
      const now = Math.floor(Date.now() / 1000)
      yield* session.otp.verifyCode({
        headers: { "x-otp": yield* Effect.promise(() => oathtool(enrolment.totp.secret, now)) },
        payload: new VerifyOtpRequest({ channel: "TOTP" })
      })
      const missing = yield* call("/transfer", "POST", bearer)
      expect(missing.status).toBe(401)
      expect(missing.body["_tag"]).toBe("InvalidOtp")
      const wrong = yield* call("/transfer", "POST", { ...bearer, "x-otp": "000000" })
      expect(wrong).toMatchObject({ status: 401, body: { _tag: "InvalidOtp" } })
      const code = yield* Effect.promise(() => oathtool(enrolment.totp.secret, now + 30))
      expect((yield* call("/transfer", "POST", { "x-otp": code })).status).toBe(403)
      const passed = yield* call("/transfer", "POST", { ...bearer, "x-otp": code })
      expect(passed).toEqual({ status: 200, body: { channel: "TOTP" } })
      // The code was consumed: the same one again is refused.
      expect((yield* call("/transfer", "POST", { ...bearer, "x-otp": code })).status).toBe(401)
    }).pipe(
      Effect.provide(client),
      Effect.ensuring(Effect.promise(() => consumer.dispose()))
    )
  })
})
