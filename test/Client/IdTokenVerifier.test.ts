/**
 * A resource server as a Rampart user builds one: its own `HttpApi` whose endpoint uses
 * `UserAuthentication`, served with `NodeHttpServer`, protected by `layerUserAuthentication` over
 * `IdTokenVerifier.layerJwks` pointed at a real Rampart server over loopback (through a counting
 * HTTP relay in front of the JWKS, so the tests see every fetch and can stop or break it). Node's
 * `fetch` is the client; `jose.jwtVerify` with `createRemoteJWKSet` is the oracle for every token.
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpServer from "@effect/platform/HttpServer"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, Logger, ManagedRuntime, Option, Redacted, Schedule, Schema, TestClock } from "effect"
import * as jose from "jose"
import { createHmac, createPrivateKey, generateKeyPairSync, type KeyObject, randomUUID, sign } from "node:crypto"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { CurrentUser, UserAuthentication } from "../../src/Api/Security.js"
import { AuthClient } from "../../src/Client/AuthClient.js"
import { IdTokenVerifier, layerUserAuthentication } from "../../src/Client/IdTokenVerifier.js"
import { SandboxClient } from "../../src/Client/SandboxClient.js"
import { generateSigningJwk } from "../../src/Server/Crypto/SigningKey.js"
import { call } from "../support/Http.js"
import { type RunningServer, startServer } from "../support/Server.js"
import { freshSqliteUrl } from "../support/Stores.js"

// ---- the consumer's own API --------------------------------------------------------------------

class Balance extends Schema.Class<Balance>("Balance")({
  userId: Schema.String,
  email: Schema.String,
  authTime: Schema.Number,
  amr: Schema.Array(Schema.String)
}) {}

/** A wallet service's API: one endpoint, only for users logged in at Rampart. */
const WalletApi = HttpApi.make("wallet").add(
  HttpApiGroup.make("wallet")
    .add(HttpApiEndpoint.get("balance", "/wallet/balance").addSuccess(Balance))
    .middleware(UserAuthentication)
)

const layerWallet = HttpApiBuilder.group(
  WalletApi,
  "wallet",
  (handlers) =>
    handlers.handle("balance", () =>
      Effect.map(CurrentUser, (user) =>
        new Balance({
          userId: user.userId,
          email: user.email,
          authTime: user.authTime.getTime() / 1000,
          amr: user.amr
        })))
)

/** The wallet service on a free loopback port, its idTokens checked by `verifier`. */
const serveWallet = async (verifier: Layer.Layer<IdTokenVerifier>) => {
  const layer = HttpApiBuilder.serve().pipe(
    Layer.provide(HttpApiBuilder.api(WalletApi).pipe(Layer.provide(layerWallet))),
    Layer.provide(layerUserAuthentication),
    Layer.provide(verifier),
    Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" }))
  )
  const runtime = ManagedRuntime.make(layer)
  const address = await runtime.runPromise(HttpServer.addressWith((address) => Effect.succeed(address)))
  if (address._tag !== "TcpAddress") throw new Error("not a TCP address")
  return { url: `http://127.0.0.1:${address.port}`, close: () => runtime.dispose() }
}

// ---- a relay in front of Rampart's JWKS, counting fetches --------------------------------------

type RelayMode = "ok" | "garbage" | "hang"

/** An HTTP relay for `/.well-known/jwks.json` of `upstream`: counts fetches, can answer garbage, hang or stop. */
const startJwksRelay = async (upstream: string) => {
  const state = { fetches: 0, mode: "ok" as RelayMode }
  const server: Server = createServer((request, response) => {
    state.fetches++
    if (state.mode === "hang") return // never answers
    if (state.mode === "garbage") {
      return void response.writeHead(200, { "content-type": "application/json" }).end("{\"keys\":")
    }
    void fetch(`${upstream}/.well-known/jwks.json`).then(async (answer) =>
      response.writeHead(answer.status, { "content-type": "application/json" }).end(await answer.text())
    )
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    state,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

// ---- tokens ---------------------------------------------------------------------------------------

const signingJwk = JSON.parse(generateSigningJwk()) as { x: string; d: string; kid: string }
const signingKey = createPrivateKey({
  key: { kty: "OKP", crv: "Ed25519", x: signingJwk.x, d: signingJwk.d },
  format: "jwk"
})
const b64 = (value: unknown) =>
  Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url")

/** A compact JWS over `header` and `claims`, Ed25519-signed with `key` (Rampart's signing key by default). */
const forge = (header: object, claims: object, key: KeyObject = signingKey) => {
  const input = `${b64(header)}.${b64(claims)}`
  return `${input}.${sign(null, Buffer.from(input), key).toString("base64url")}`
}

const header = { alg: "EdDSA", typ: "JWT", kid: signingJwk.kid }
const claimsNow = (overrides: object = {}) => {
  const now = Math.floor(Date.now() / 1000)
  return {
    iss: "rampart",
    aud: "rampart",
    sub: randomUUID(),
    email: "forged@example.com",
    iat: now,
    exp: now + 3600,
    jti: randomUUID(),
    ...overrides
  }
}

/** Every kind of hostile token the issue names, each with what it is. */
const hostileTokens = (valid: string): ReadonlyArray<readonly [string, string]> => {
  const [h, p, s] = valid.split(".") as [string, string, string]
  const claims = JSON.parse(Buffer.from(p, "base64url").toString("utf8")) as Record<string, unknown>
  const hs256 = `${b64({ alg: "HS256", typ: "JWT", kid: signingJwk.kid })}.${p}`
  const flipped = Buffer.from(s, "base64url")
  flipped[0] = flipped[0]! ^ 1
  return [
    ["malformed", "not.a.token"],
    ["oversized (over 8 KiB)", `${h}.${"A".repeat(9_000)}.${s}`],
    ["alg none", `${b64({ alg: "none", typ: "JWT" })}.${p}.`],
    [
      "HS256 keyed with the public key",
      `${hs256}.${createHmac("sha256", Buffer.from(signingJwk.x, "base64url")).update(hs256).digest("base64url")}`
    ],
    ["unknown kid", forge({ ...header, kid: "nobody-published-this" }, claimsNow())],
    ["wrong aud", forge(header, claimsNow({ aud: "other-service" }))],
    ["wrong iss", forge(header, claimsNow({ iss: "evil" }))],
    ["expired", forge(header, claimsNow({ iat: 1_000, exp: 4_600 }))],
    ["not yet valid", forge(header, claimsNow({ nbf: Math.floor(Date.now() / 1000) + 600 }))],
    ["tampered payload", `${h}.${b64({ ...claims, email: "admin@example.com" })}.${s}`],
    ["tampered signature", `${h}.${p}.${flipped.toString("base64url")}`],
    ["signed by another key", forge(header, claimsNow(), generateKeyPairSync("ed25519").privateKey)]
  ]
}

// ---- the shared Rampart server --------------------------------------------------------------------

let rampart: RunningServer
let idToken: string

const login = async (email: string) => {
  const answer = await call(rampart.url, "POST", "/auth/login", { body: { email, password: "correct horse battery" } })
  expect(answer.status).toBe(200)
  return answer.body.idToken as string
}

beforeAll(async () => {
  rampart = await startServer(freshSqliteUrl(), {
    signingKey: Option.some(Redacted.make(JSON.stringify({ kty: "OKP", crv: "Ed25519", ...signingJwk })))
  })
  for (const email of ["ada@example.com", "bo@example.com"]) {
    expect(
      (await call(rampart.url, "POST", "/sandbox/users", { body: { email, password: "correct horse battery" } })).status
    ).toBe(201)
  }
  idToken = await login("ada@example.com")
})
afterAll(() => rampart.close())

const balance = (wallet: string, token?: string) =>
  fetch(`${wallet}/wallet/balance`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } })

/** A 403 `AuthError` answer, bounded. */
const expectRefused = async (answer: Response, what: string) => {
  const text = await answer.text()
  expect(answer.status, what).toBe(403)
  expect(JSON.parse(text)._tag, what).toBe("AuthError")
  expect(text.length, what).toBeLessThan(512)
}

describe("a consumer HttpApi behind layerUserAuthentication (IdTokenVerifier.layerJwks over loopback)", () => {
  it("a valid idToken: 200 with CurrentUser; every hostile token: 403 AuthError, as jose decides too", async () => {
    const relay = await startJwksRelay(rampart.url)
    const wallet = await serveWallet(
      IdTokenVerifier.layerJwks({ issuer: "rampart", audience: "rampart", url: relay.url }).pipe(
        Layer.provide(AuthClient.layer({ baseUrl: rampart.url }))
      )
    )
    try {
      const ok = await balance(wallet.url, idToken)
      expect(ok.status).toBe(200)
      const body = (await ok.json()) as Balance
      expect(body).toMatchObject({ email: "ada@example.com", amr: ["pwd"] })
      expect(Math.abs(body.authTime - Date.now() / 1000)).toBeLessThan(60)
      await expectRefused(await balance(wallet.url), "no authorization header")
      const jwks = jose.createRemoteJWKSet(new URL(`${rampart.url}/.well-known/jwks.json`))
      const joseAccepts = (token: string) =>
        jose.jwtVerify(token, jwks, {
          algorithms: ["EdDSA"],
          issuer: "rampart",
          audience: "rampart",
          typ: "JWT",
          clockTolerance: 30
        })
          .then(() => true, () => false)
      expect(await joseAccepts(idToken)).toBe(true)
      for (const [what, token] of hostileTokens(idToken)) {
        await expectRefused(await balance(wallet.url, token), what)
        expect(await joseAccepts(token), `jose on ${what}`).toBe(false)
      }
      // One fetch at the first request, one for the unknown kid (the first allowed refetch), none after.
      expect(relay.state.fetches).toBeLessThanOrEqual(2)
    } finally {
      await wallet.close()
      await relay.stop()
    }
  })

  it("a rotation in the middle: old tokens still pass, new ones after one refetch; a forged-kid flood costs one fetch per cooldown; a stopped JWKS keeps known keys", async () => {
    const relay = await startJwksRelay(rampart.url)
    const logs: Array<string> = []
    const logger = Logger.replace(Logger.defaultLogger, Logger.make(({ message }) => void logs.push(String(message))))
    const wallet = await serveWallet(
      IdTokenVerifier.layerJwks({ issuer: "rampart", audience: "rampart", url: relay.url, refetchCooldown: "1 second" })
        .pipe(
          Layer.provide(AuthClient.layer({ baseUrl: rampart.url, timeout: "1 second", retry: Schedule.recurs(0) })),
          Layer.provide(logger)
        )
    )
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
    try {
      expect((await balance(wallet.url, idToken)).status).toBe(200)
      expect(relay.state.fetches).toBe(1)
      const rotated = await call(rampart.url, "POST", "/sandbox/keys/rotate", { body: {} })
      expect(rotated.status).toBe(200)
      expect(rotated.body.previous).toEqual([signingJwk.kid])
      const fresh = await login("bo@example.com")
      expect(JSON.parse(Buffer.from(fresh.split(".")[0]!, "base64url").toString()).kid).toBe(rotated.body.kid)
      expect((await balance(wallet.url, idToken)).status).toBe(200) // old key: known, no fetch
      expect(relay.state.fetches).toBe(1)
      await pause(1_100)
      expect((await balance(wallet.url, fresh)).status).toBe(200) // new kid: one refetch
      expect(relay.state.fetches).toBe(2)
      const floods = () =>
        Promise.all(
          Array.from({ length: 40 }, () => balance(wallet.url, forge({ ...header, kid: randomUUID() }, claimsNow())))
        )
      for (const answer of await floods()) await expectRefused(answer, "forged kid")
      expect(relay.state.fetches).toBe(2) // within the cooldown: no fetch at all
      await pause(1_100)
      for (const answer of await floods()) await expectRefused(answer, "forged kid")
      expect(relay.state.fetches).toBe(3) // one fetch for the whole flood
      // The JWKS answers garbage, then stops: known keys keep working; one log line says so.
      relay.state.mode = "garbage"
      await pause(1_100)
      await expectRefused(await balance(wallet.url, forge({ ...header, kid: randomUUID() }, claimsNow())), "forged kid")
      await relay.stop()
      await pause(1_100)
      for (let i = 0; i < 5; i++) {
        await expectRefused(
          await balance(wallet.url, forge({ ...header, kid: randomUUID() }, claimsNow())),
          "forged kid"
        )
        expect((await balance(wallet.url, idToken)).status).toBe(200)
        expect((await balance(wallet.url, fresh)).status).toBe(200)
      }
      expect(logs.filter((line) => line.includes("could not be fetched"))).toHaveLength(1)
    } finally {
      await wallet.close()
      await relay.stop().catch(() => undefined)
    }
  })

  it("a JWKS that hangs: the fetch times out, requests with known keys never wait for it", async () => {
    const relay = await startJwksRelay(rampart.url)
    const wallet = await serveWallet(
      IdTokenVerifier.layerJwks({
        issuer: "rampart",
        audience: "rampart",
        url: relay.url,
        refetchCooldown: "1 second",
        fetchTimeout: "300 millis"
      }).pipe(Layer.provide(AuthClient.layer({ baseUrl: rampart.url })))
    )
    try {
      expect((await balance(wallet.url, idToken)).status).toBe(200)
      relay.state.mode = "hang"
      await new Promise((resolve) => setTimeout(resolve, 1_100))
      const started = Date.now()
      await expectRefused(await balance(wallet.url, forge({ ...header, kid: randomUUID() }, claimsNow())), "forged kid")
      expect(Date.now() - started).toBeLessThan(5_000) // the hung fetch ended at its timeout
      const known = Date.now()
      expect((await balance(wallet.url, idToken)).status).toBe(200)
      expect(Date.now() - known).toBeLessThan(1_000)
    } finally {
      await wallet.close()
      await relay.stop()
    }
  })
})

describe("IdTokenVerifier under TestClock and sandbox time", () => {
  it.scoped("TestClock drives the cache (refresh after 10 minutes, in the background) and token expiry", () =>
    Effect.gen(function*() {
      const relay = yield* Effect.acquireRelease(
        Effect.promise(() => startJwksRelay(rampart.url)),
        (r) => Effect.promise(r.stop)
      )
      yield* TestClock.setTime(Date.now())
      const token = yield* Effect.promise(() => login("ada@example.com"))
      const context = yield* Layer.build(
        IdTokenVerifier.layerJwks({ issuer: "rampart", audience: "rampart", url: relay.url }).pipe(
          Layer.provide(AuthClient.layer({ baseUrl: rampart.url }))
        )
      )
      const verifier = yield* Effect.provide(IdTokenVerifier, context)
      expect((yield* verifier.verify(token)).email).toBe("ada@example.com")
      expect(relay.state.fetches).toBe(1)
      yield* TestClock.adjust("9 minutes")
      yield* verifier.verify(token)
      expect(relay.state.fetches).toBe(1)
      yield* TestClock.adjust("2 minutes")
      yield* verifier.verify(token) // stale keys: still accepted, a refresh starts in the background
      yield* Effect.promise(async () => {
        for (let i = 0; i < 100 && relay.state.fetches < 2; i++) await new Promise((resolve) => setTimeout(resolve, 20))
      })
      expect(relay.state.fetches).toBe(2)
      yield* TestClock.adjust("49 minutes") // 60 min after iat: within the 30 s leeway
      yield* verifier.verify(token)
      yield* TestClock.adjust("31 seconds")
      const expired = yield* Effect.either(verifier.verify(token))
      expect(Either.isLeft(expired) && expired.left._tag).toBe("AuthError")
    }))

  it.scoped("layerKeys: keys known in advance, the same checks", () =>
    Effect.gen(function*() {
      const jwks = yield* Effect.promise(() => fetch(`${rampart.url}/.well-known/jwks.json`).then((r) => r.json()))
      const context = yield* Layer.build(
        IdTokenVerifier.layerKeys(jwks, { issuer: "rampart", audience: ["wallet", "rampart"] })
      )
      const verifier = yield* Effect.provide(IdTokenVerifier, context)
      yield* TestClock.setTime(Date.now())
      expect((yield* verifier.verify(idToken)).email).toBe("ada@example.com")
      for (const [what, token] of hostileTokens(idToken)) {
        const result = yield* Effect.either(verifier.verify(token))
        expect(Either.isLeft(result), what).toBe(true)
      }
      const other = yield* Layer.build(IdTokenVerifier.layerKeys(jwks, { issuer: "rampart", audience: "wallet" }))
      expect(Either.isLeft(
        yield* Effect.either(Effect.flatMap(Effect.provide(IdTokenVerifier, other), (v) => v.verify(idToken)))
      ))
        .toBe(true)
    }))

  it("a sandbox whose clock was moved: tokens verify in sandbox time with SandboxClient.layerClock, not on wall time", async () => {
    const sandbox = await startServer(freshSqliteUrl())
    try {
      await call(sandbox.url, "POST", "/sandbox/users", {
        body: { email: "cy@example.com", password: "correct horse battery" }
      })
      expect((await call(sandbox.url, "POST", "/sandbox/clock", { body: { advanceSeconds: 7200 } })).status).toBe(200)
      const answer = await call(sandbox.url, "POST", "/auth/login", {
        body: { email: "cy@example.com", password: "correct horse battery" }
      })
      const token = answer.body.idToken as string
      const client = AuthClient.layer({ baseUrl: sandbox.url })
      const verifier = IdTokenVerifier.layerJwks({ issuer: "rampart", audience: "rampart" }).pipe(Layer.provide(client))
      const verify = Effect.flatMap(IdTokenVerifier, (v) => v.verify(token))
      // On wall time the token was issued two hours in the future.
      expect(Either.isLeft(await Effect.runPromise(Effect.either(Effect.provide(verify, verifier))))).toBe(true)
      // On the sandbox's clock (the offset read from GET /sandbox/clock) it is valid.
      const claims = await Effect.runPromise(
        verify.pipe(
          Effect.provide(verifier),
          Effect.provide(SandboxClient.layerClock),
          Effect.provide(SandboxClient.Default),
          Effect.provide(client)
        )
      )
      expect(claims.email).toBe("cy@example.com")
    } finally {
      await sandbox.close()
    }
  })
})
