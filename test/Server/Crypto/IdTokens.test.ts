import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect, Either, Layer, Redacted, TestClock } from "effect"
import * as jose from "jose"
import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from "node:crypto"
import { AuthError } from "../../../src/Domain/Errors.js"
import { IdTokens, layerDefaultIdTokenSettings } from "../../../src/Server/Crypto/IdTokens.js"
import {
  generateSigningJwk,
  previousKeysFromJson,
  PreviousSigningKeys,
  SigningKey,
  SigningKeyError,
  signingKeyFromJwk
} from "../../../src/Server/Crypto/SigningKey.js"

const signingJwk = generateSigningJwk()
const signing = Effect.runSync(signingKeyFromJwk(Redacted.make(signingJwk)))
const publicKey = createPublicKey({ key: { ...signing.publicJwk }, format: "jwk" })
/** Users' ids are UUIDs; the checks refuse any other `sub`. */
const USER1 = "0b7c7f9e-3a52-4c1e-9d1a-6f2b8c4d5e61"
const USER9 = "9e8d7c6b-5a49-4382-9170-6f5e4d3c2b1a"
const TestLayer = IdTokens.Default.pipe(
  Layer.provide(Layer.succeed(SigningKey, signing)),
  Layer.provide(Layer.succeed(PreviousSigningKeys, [])),
  Layer.provide(layerDefaultIdTokenSettings())
)
const run = <A, E>(effect: Effect.Effect<A, E, IdTokens>) => Effect.provide(effect, TestLayer)

const b64 = (value: unknown) =>
  Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url")
const ed25519 = (input: string, key: KeyObject) => sign(null, Buffer.from(input), key).toString("base64url")

/** A compact JWS over arbitrary header and claims, Ed25519-signed with `key` (ours by default). */
const forge = (header: object, claims: object, key: KeyObject = signing.privateKey) => {
  const input = `${b64(header)}.${b64(claims)}`
  return `${input}.${ed25519(input, key)}`
}

const goodHeader = { alg: "EdDSA", typ: "JWT", kid: signing.kid }
/** Valid claims at the TestClock's current time (0 unless adjusted). */
const claimsAt = (nowSeconds: number) => ({
  iss: "rampart",
  aud: "rampart",
  sub: USER1,
  email: "ana@example.com",
  iat: nowSeconds,
  exp: nowSeconds + 3600,
  jti: "jti-1"
})

const decodePart = (token: string, index: number): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split(".")[index] ?? "", "base64url").toString("utf8"))

/** jose's own decision on the token at the current Clock time, as an independent oracle. */
const joseAccepts = (token: string) =>
  Effect.flatMap(Clock.currentTimeMillis, (millis) =>
    Effect.promise(() =>
      jose
        .jwtVerify(token, jose.createLocalJWKSet({ keys: [{ ...signing.publicJwk, alg: "EdDSA", use: "sig" }] }), {
          algorithms: ["EdDSA"],
          issuer: "rampart",
          audience: "rampart",
          typ: "JWT",
          clockTolerance: 30,
          currentDate: new Date(millis)
        })
        .then(
          () => true,
          () => false
        )
    ))

/** Asserts our verifier refuses with the generic AuthError (and, when `oracle`, that jose refuses too). */
const expectRefused = (token: string, oracle = true) =>
  Effect.gen(function*() {
    const idTokens = yield* IdTokens
    const result = yield* Effect.either(idTokens.verify(token))
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) {
      expect(result.left).toBeInstanceOf(AuthError)
      expect(result.left.message).toBe("invalid or expired token")
    }
    if (oracle) expect(yield* joseAccepts(token)).toBe(false)
  })

describe("IdTokens", () => {
  it.effect("issue → verify round-trips the claims; iat/exp come from the Clock", () =>
    run(
      Effect.gen(function*() {
        yield* TestClock.adjust("1000 seconds")
        const idTokens = yield* IdTokens
        const issued = yield* idTokens.issue({ sub: USER1, email: "ana@example.com" })
        expect(issued.expiresAt.getTime()).toBe((1000 + 3600) * 1000)
        expect(issued.jti).toMatch(/^[0-9a-f-]{36}$/)
        const claims = yield* idTokens.verify(issued.token)
        const payload = {
          iss: "rampart",
          aud: "rampart",
          sub: USER1,
          email: "ana@example.com",
          iat: 1000,
          exp: 4600,
          jti: issued.jti,
          auth_time: 1000,
          amr: ["pwd"]
        }
        expect(claims).toEqual(payload)
        expect(decodePart(issued.token, 1)).toEqual(payload)
        // A refreshed token keeps the login's auth_time.
        const refreshed = yield* idTokens.issue({ sub: USER1, email: "ana@example.com", authTime: 400 })
        expect((yield* idTokens.verify(refreshed.token)).auth_time).toBe(400)
        const again = yield* idTokens.issue({ sub: USER1, email: "ana@example.com" })
        expect(again.jti).not.toBe(issued.jti)
      })
    ))

  it.effect("header is { alg: EdDSA, typ: JWT, kid }", () =>
    run(
      Effect.gen(function*() {
        const issued = yield* (yield* IdTokens).issue({ sub: USER1, email: "e@example.com" })
        expect(decodePart(issued.token, 0)).toEqual({ alg: "EdDSA", typ: "JWT", kid: signing.kid })
      })
    ))

  it.effect("the token verifies independently with jose against the published JWKS", () =>
    run(
      Effect.gen(function*() {
        const idTokens = yield* IdTokens
        expect(idTokens.jwks()).toEqual({
          keys: [{ kty: "OKP", crv: "Ed25519", x: signing.publicJwk.x, kid: signing.kid, alg: "EdDSA", use: "sig" }]
        })
        expect(idTokens.jwks().keys[0]).not.toHaveProperty("d")
        const issued = yield* idTokens.issue({ sub: USER9, email: "bo@example.com" })
        const jwks = jose.createLocalJWKSet({ keys: idTokens.jwks().keys.map((key) => ({ ...key })) })
        const { payload, protectedHeader } = yield* Effect.promise(() =>
          jose.jwtVerify(issued.token, jwks, {
            algorithms: ["EdDSA"],
            issuer: "rampart",
            audience: "rampart",
            typ: "JWT",
            currentDate: new Date(0)
          })
        )
        expect(protectedHeader.kid).toBe(signing.kid)
        expect(payload.sub).toBe(USER9)
        expect(payload["email"]).toBe("bo@example.com")
        expect(payload.jti).toBe(issued.jti)
      })
    ))

  it.effect("a token forged with our key and valid claims is accepted (the forge helper is sound)", () =>
    run(
      Effect.gen(function*() {
        const token = forge(goodHeader, claimsAt(0))
        expect(yield* joseAccepts(token)).toBe(true)
        // A token without auth_time / amr (issued before they existed) reads as a password login at iat.
        expect(yield* (yield* IdTokens).verify(token)).toEqual({
          ...claimsAt(0),
          auth_time: 0,
          amr: ["pwd"]
        })
        // aud as an array containing our audience is valid JWT too.
        expect((yield* (yield* IdTokens).verify(forge(goodHeader, { ...claimsAt(0), aud: ["x", "rampart"] }))).sub)
          .toBe(
            USER1
          )
      })
    ))

  it.effect("refuses alg: none (unsigned), with or without a trailing dot", () =>
    run(
      Effect.gen(function*() {
        const unsigned = `${b64({ alg: "none", typ: "JWT" })}.${b64(claimsAt(0))}`
        yield* expectRefused(`${unsigned}.`)
        yield* expectRefused(unsigned)
        // alg none carrying a (valid) signature of ours is still refused: the allow-list decides.
        yield* expectRefused(forge({ alg: "none", typ: "JWT", kid: signing.kid }, claimsAt(0)))
      })
    ))

  it.effect("refuses a validly signed token whose header has no alg, or another alg, or no/other typ, or crit", () =>
    run(
      Effect.gen(function*() {
        yield* expectRefused(forge({ typ: "JWT", kid: signing.kid }, claimsAt(0)))
        yield* expectRefused(forge({ ...goodHeader, alg: "Ed25519" }, claimsAt(0)))
        yield* expectRefused(forge({ ...goodHeader, alg: "ES256" }, claimsAt(0)))
        yield* expectRefused(forge({ alg: "EdDSA", kid: signing.kid }, claimsAt(0)))
        yield* expectRefused(forge({ ...goodHeader, typ: "at+jwt" }, claimsAt(0)))
        yield* expectRefused(forge({ ...goodHeader, crit: ["exp"], exp: 1 }, claimsAt(0)))
        // A kid that is not ours (jose with a direct key would not look at it; we do).
        yield* expectRefused(forge({ ...goodHeader, kid: "someone-else" }, claimsAt(0)), false)
      })
    ))

  it.effect("refuses HS256 tokens keyed with the public key (key confusion)", () =>
    run(
      Effect.gen(function*() {
        const secrets: ReadonlyArray<Buffer | string> = [
          Buffer.from(signing.publicJwk.x, "base64url"),
          signing.publicJwk.x,
          publicKey.export({ type: "spki", format: "pem" }).toString(),
          publicKey.export({ type: "spki", format: "der" }),
          JSON.stringify(signing.publicJwk)
        ]
        for (const secret of secrets) {
          const input = `${b64({ alg: "HS256", typ: "JWT", kid: signing.kid })}.${b64(claimsAt(0))}`
          const mac = createHmac("sha256", secret).update(input).digest("base64url")
          yield* expectRefused(`${input}.${mac}`)
          // Same MAC under an EdDSA header: wrong length/bytes for a signature.
          const lying = `${b64(goodHeader)}.${b64(claimsAt(0))}`
          yield* expectRefused(`${lying}.${createHmac("sha256", secret).update(lying).digest("base64url")}`)
        }
      })
    ))

  it.effect("refuses a tampered payload (sub changed, signature kept)", () =>
    run(
      Effect.gen(function*() {
        const idTokens = yield* IdTokens
        const issued = yield* idTokens.issue({ sub: USER1, email: "ana@example.com" })
        const [header, payload, signature] = issued.token.split(".") as [string, string, string]
        const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"))
        yield* expectRefused(`${header}.${b64({ ...claims, sub: "admin" })}.${signature}`)
        // Tampered header (kid changed) with the original signature.
        yield* expectRefused(`${b64({ ...goodHeader, kid: `${signing.kid}x` })}.${payload}.${signature}`, false)
        // A flipped signature bit.
        const bytes = Buffer.from(signature, "base64url")
        bytes[0] = (bytes[0] ?? 0) ^ 1
        yield* expectRefused(`${header}.${payload}.${bytes.toString("base64url")}`)
        // Non-canonical base64url / padding on an otherwise valid token.
        yield* expectRefused(`${issued.token}=`)
        // Same signature bytes, but the last character's unused low bits set: not canonical base64url.
        const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        const last = alphabet[alphabet.indexOf(signature.slice(-1)) + 1] ?? ""
        const nonCanonical = `${signature.slice(0, -1)}${last}`
        expect(Buffer.from(nonCanonical, "base64url").equals(Buffer.from(signature, "base64url"))).toBe(true)
        yield* expectRefused(`${header}.${payload}.${nonCanonical}`, false) // jose decodes leniently
        yield* expectRefused(` ${issued.token}`)
        expect((yield* idTokens.verify(issued.token)).sub).toBe(USER1)
      })
    ))

  it.effect("refuses wrong iss and wrong aud (validly signed)", () =>
    run(
      Effect.gen(function*() {
        yield* expectRefused(forge(goodHeader, { ...claimsAt(0), iss: "evil" }))
        yield* expectRefused(forge(goodHeader, { ...claimsAt(0), aud: "other-service" }))
        yield* expectRefused(forge(goodHeader, { ...claimsAt(0), aud: ["other-service"] }))
        const { iss: _iss, ...noIss } = claimsAt(0)
        yield* expectRefused(forge(goodHeader, noIss))
        const { aud: _aud, ...noAud } = claimsAt(0)
        yield* expectRefused(forge(goodHeader, noAud))
      })
    ))

  it.effect("refuses tokens issued under other settings", () =>
    Effect.gen(function*() {
      const other = IdTokens.Default.pipe(
        Layer.provide(Layer.succeed(SigningKey, signing)),
        Layer.provide(Layer.succeed(PreviousSigningKeys, [])),
        Layer.provide(layerDefaultIdTokenSettings({ issuer: "elsewhere", audiences: ["elsewhere"] }))
      )
      const foreign = yield* Effect.provide(
        Effect.flatMap(IdTokens, (idTokens) => idTokens.issue({ sub: USER1, email: "e@example.com" })),
        other
      )
      yield* run(expectRefused(foreign.token))
    }))

  it.effect("expiry: accepted just within the 30 s leeway, refused past exp + leeway", () =>
    run(
      Effect.gen(function*() {
        const idTokens = yield* IdTokens
        const issued = yield* idTokens.issue({ sub: USER1, email: "ana@example.com" })
        yield* TestClock.adjust("3599 seconds")
        expect((yield* idTokens.verify(issued.token)).sub).toBe(USER1)
        yield* TestClock.adjust("1 second") // at exp: within leeway
        expect((yield* idTokens.verify(issued.token)).sub).toBe(USER1)
        yield* TestClock.adjust("29999 millis") // exp + 29.999 s: still within leeway
        expect((yield* idTokens.verify(issued.token)).sub).toBe(USER1)
        expect(yield* joseAccepts(issued.token)).toBe(true)
        yield* TestClock.adjust("1 millis") // exp + 30 s: refused
        yield* expectRefused(issued.token)
        yield* TestClock.adjust("1 hour")
        yield* expectRefused(issued.token)
      })
    ))

  it.effect("refuses missing or malformed exp/iat, iat or nbf in the future beyond the leeway", () =>
    run(
      Effect.gen(function*() {
        const { exp: _exp, ...noExp } = claimsAt(0)
        yield* expectRefused(forge(goodHeader, noExp), false) // jose treats exp as optional; we require it
        yield* expectRefused(forge(goodHeader, { ...claimsAt(0), exp: "3600" }))
        const { iat: _iat, ...noIat } = claimsAt(0)
        yield* expectRefused(forge(goodHeader, noIat), false)
        yield* expectRefused(forge(goodHeader, { ...claimsAt(0), iat: 31 }), false)
        yield* expectRefused(forge(goodHeader, { ...claimsAt(0), nbf: 31 }))
        expect((yield* (yield* IdTokens).verify(forge(goodHeader, { ...claimsAt(0), iat: 30, nbf: 30 }))).sub).toBe(
          USER1
        )
        yield* expectRefused(forge(goodHeader, { ...claimsAt(0), sub: "" }), false)
        yield* expectRefused(forge(goodHeader, { ...claimsAt(0), sub: 42 }), false) // jose does not type-check sub
      })
    ))

  it.effect("refuses a token signed by a different Ed25519 key", () =>
    run(
      Effect.gen(function*() {
        const stranger = createPrivateKey({ key: JSON.parse(generateSigningJwk()), format: "jwk" })
        yield* expectRefused(forge(goodHeader, claimsAt(0), stranger))
        const other = generateKeyPairSync("ed25519").privateKey
        yield* expectRefused(forge(goodHeader, claimsAt(0), other))
      })
    ))

  it.effect("refuses garbage", () =>
    run(
      Effect.gen(function*() {
        const garbage = [
          "",
          ".",
          "..",
          "a.b",
          "a.b.c",
          "a.b.c.d.e",
          ".".repeat(10 * 1024),
          "x".repeat(10 * 1024),
          `${b64(goodHeader)}.${b64(claimsAt(0))}.${"A".repeat(10_000)}`,
          `${b64("[]")}.${b64(claimsAt(0))}.${"A".repeat(86)}`,
          `${b64("null")}.${b64("null")}.${"A".repeat(86)}`,
          `${Buffer.from([0xff, 0xfe]).toString("base64url")}.e30.${"A".repeat(86)}`,
          "eyJhbGciOiJFZERTQSJ9.e30.e30"
        ]
        for (const token of garbage) yield* expectRefused(token)
      })
    ))
})

describe("IdTokens key rotation and audiences", () => {
  const layerWith = (key: typeof signing, previous: ReadonlyArray<typeof signing.publicJwk>, audiences = ["rampart"]) =>
    IdTokens.Default.pipe(
      Layer.provide(Layer.succeed(SigningKey, key)),
      Layer.provide(Layer.succeed(PreviousSigningKeys, previous)),
      Layer.provide(layerDefaultIdTokenSettings({ audiences }))
    )
  const next = Effect.runSync(signingKeyFromJwk(Redacted.make(generateSigningJwk())))

  it.effect("rotate: new tokens carry the new kid, tokens of the old key still verify, the JWKS lists both", () =>
    Effect.gen(function*() {
      const idTokens = yield* IdTokens
      const before = yield* idTokens.issue({ sub: USER1, email: "ana@example.com" })
      expect(yield* idTokens.rotate(next)).toEqual({ kid: next.kid, previous: [signing.kid] })
      const after = yield* idTokens.issue({ sub: USER1, email: "ana@example.com" })
      expect(decodePart(after.token, 0)["kid"]).toBe(next.kid)
      expect((yield* idTokens.verify(before.token)).sub).toBe(USER1)
      expect((yield* idTokens.verify(after.token)).sub).toBe(USER1)
      expect(idTokens.jwks().keys.map((key) => key.kid)).toEqual([next.kid, signing.kid])
      // jose, given the published JWKS, decides the same for both tokens.
      const jwks = jose.createLocalJWKSet({ keys: idTokens.jwks().keys.map((key) => ({ ...key })) })
      for (const token of [before.token, after.token]) {
        const { protectedHeader } = yield* Effect.promise(() =>
          jose.jwtVerify(token, jwks, {
            algorithms: ["EdDSA"],
            issuer: "rampart",
            audience: "rampart",
            currentDate: new Date(0)
          })
        )
        expect([next.kid, signing.kid]).toContain(protectedHeader.kid)
      }
    }).pipe(Effect.provide(layerWith(signing, []))))

  it.effect("a previous key given at start verifies its tokens but never signs", () =>
    Effect.gen(function*() {
      const old = yield* Effect.provide(
        Effect.flatMap(IdTokens, (idTokens) => idTokens.issue({ sub: USER1, email: "ana@example.com" })),
        layerWith(signing, [])
      )
      const idTokens = yield* IdTokens
      expect((yield* idTokens.verify(old.token)).sub).toBe(USER1)
      const fresh = yield* idTokens.issue({ sub: USER1, email: "ana@example.com" })
      expect(decodePart(fresh.token, 0)["kid"]).toBe(next.kid)
      // A kid nobody published: refused.
      yield* expectRefused(forge({ ...goodHeader, kid: "forged" }, claimsAt(0)), false).pipe(
        Effect.provide(layerWith(next, [signing.publicJwk]))
      )
    }).pipe(Effect.provide(layerWith(next, [signing.publicJwk]))))

  it.effect("several audiences: aud is their array; a token naming any configured audience verifies", () =>
    Effect.gen(function*() {
      const idTokens = yield* IdTokens
      const issued = yield* idTokens.issue({ sub: USER1, email: "ana@example.com" })
      expect(decodePart(issued.token, 1)["aud"]).toEqual(["wallet-svc", "rampart"])
      expect((yield* idTokens.verify(issued.token)).aud).toEqual(["wallet-svc", "rampart"])
      expect((yield* idTokens.verify(forge(goodHeader, { ...claimsAt(0), aud: "wallet-svc" }))).sub).toBe(USER1)
    }).pipe(Effect.provide(layerWith(signing, [], ["wallet-svc", "rampart"]))))

  it.effect("RAMPART_PREVIOUS_SIGNING_KEYS: public or private JWKs, kid defaulting to the thumbprint; bad entries named", () =>
    Effect.gen(function*() {
      const privateJwk = JSON.parse(generateSigningJwk())
      const { d: _d, kid: _kid, ...publicJwk } = JSON.parse(generateSigningJwk())
      const keys = yield* previousKeysFromJson(Redacted.make(JSON.stringify([privateJwk, publicJwk])))
      expect(keys[0]).toEqual({ kty: "OKP", crv: "Ed25519", x: privateJwk.x, kid: privateJwk.kid })
      expect(keys[1]!.kid).toBe(yield* Effect.promise(() => jose.calculateJwkThumbprint(publicJwk, "sha256")))
      expect(yield* previousKeysFromJson(Redacted.make("[]"))).toEqual([])
      for (
        const bad of [
          "{",
          "{}",
          JSON.stringify([{ kty: "RSA" }]),
          JSON.stringify([{ ...privateJwk, x: publicJwk.x }]),
          JSON.stringify([{ kty: "OKP", crv: "Ed25519", x: "AAAA" }])
        ]
      ) {
        const error = yield* Effect.flip(previousKeysFromJson(Redacted.make(bad)))
        expect(error.message).toMatch(/^RAMPART_PREVIOUS_SIGNING_KEYS must be/)
        expect(error.message).not.toContain(privateJwk.d)
      }
    }))
})

describe("SigningKey", () => {
  it.effect("generateSigningJwk round-trips through signingKeyFromJwk with an RFC 7638 kid", () =>
    Effect.gen(function*() {
      const json = generateSigningJwk()
      const jwk = JSON.parse(json)
      expect(jwk).toMatchObject({ kty: "OKP", crv: "Ed25519" })
      expect(typeof jwk.d).toBe("string")
      const thumbprint = yield* Effect.promise(() => jose.calculateJwkThumbprint(jwk, "sha256"))
      expect(jwk.kid).toBe(thumbprint)
      const key = yield* signingKeyFromJwk(Redacted.make(json))
      expect(key.kid).toBe(thumbprint)
      expect(key.publicJwk).toEqual({ kty: "OKP", crv: "Ed25519", x: jwk.x, kid: thumbprint })
      expect(key.privateKey.asymmetricKeyType).toBe("ed25519")
      expect(key.privateKey.type).toBe("private")
      // Without a kid, the thumbprint is computed.
      const { kid: _kid, ...withoutKid } = jwk
      expect((yield* signingKeyFromJwk(Redacted.make(JSON.stringify(withoutKid)))).kid).toBe(thumbprint)
      expect(generateSigningJwk()).not.toBe(json)
    }))

  const rejected = (json: string) =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(signingKeyFromJwk(Redacted.make(json)))
      expect(error).toBeInstanceOf(SigningKeyError)
      expect(error.message).toContain("RAMPART_SIGNING_KEY")
      return error
    })

  it.effect("rejects a public-only JWK, an RSA JWK, invalid JSON and inconsistent keys, naming RAMPART_SIGNING_KEY", () =>
    Effect.gen(function*() {
      const jwk = JSON.parse(generateSigningJwk())
      const { d, ...publicOnly } = jwk
      yield* rejected(JSON.stringify(publicOnly))
      const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" })
      yield* rejected(JSON.stringify(rsa))
      const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" })
      yield* rejected(JSON.stringify(ec))
      const x25519 = generateKeyPairSync("x25519").privateKey.export({ format: "jwk" })
      yield* rejected(JSON.stringify(x25519))
      const error = yield* rejected("{not json")
      expect(error.message).not.toContain("{not json")
      yield* rejected("")
      yield* rejected("[]")
      yield* rejected("null")
      // x from another key: the pair does not match.
      const other = JSON.parse(generateSigningJwk())
      yield* rejected(JSON.stringify({ ...jwk, x: other.x }))
      yield* rejected(JSON.stringify({ ...jwk, d: "AAAA" }))
      yield* rejected(JSON.stringify({ ...jwk, alg: "RS256" }))
      // The secret never appears in the message.
      const mismatch = yield* rejected(JSON.stringify({ ...jwk, x: other.x }))
      expect(mismatch.message).not.toContain(d)
    }))
})
