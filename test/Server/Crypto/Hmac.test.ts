import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { createHmac, hkdfSync, randomBytes } from "node:crypto"
import { Hmac } from "../../../src/Server/Crypto/Hmac.js"
import { MasterKey } from "../../../src/Server/Crypto/MasterKey.js"

const hmacLayer = (bytes: Uint8Array) =>
  Hmac.Default.pipe(Layer.provide(Layer.succeed(MasterKey, Redacted.make(new Uint8Array(bytes)))))
const zeroKey = new Uint8Array(32)
const run = <A, E>(effect: Effect.Effect<A, E, Hmac>, key: Uint8Array = zeroKey) =>
  Effect.provide(effect, hmacLayer(key))

describe("Hmac", () => {
  it.effect("is HMAC-SHA256 of purpose ‖ 0x00 ‖ value under the HKDF 'rampart/hmac' key, base64url", () =>
    run(
      Effect.gen(function*() {
        const hmac = yield* Hmac
        const key = Buffer.from(hkdfSync("sha256", zeroKey, Buffer.alloc(0), "rampart/hmac", 32))
        const expected = createHmac("sha256", key).update(Buffer.from("otp-code\u0000123456", "utf8")).digest(
          "base64url"
        )
        expect(hmac.digest("otp-code", "123456")).toBe(expected)
        expect(expected).toMatch(/^[A-Za-z0-9_-]{43}$/)
      })
    ))

  it.effect("is deterministic and treats Redacted values like their contents", () =>
    run(
      Effect.gen(function*() {
        const hmac = yield* Hmac
        expect(hmac.digest("refresh-token", "abc")).toBe(hmac.digest("refresh-token", "abc"))
        expect(hmac.digest("refresh-token", Redacted.make("abc"))).toBe(hmac.digest("refresh-token", "abc"))
        expect(hmac.digest("refresh-token", "abd")).not.toBe(hmac.digest("refresh-token", "abc"))
      })
    ))

  it.effect("separates purposes: the same value hashes differently per purpose", () =>
    run(
      Effect.gen(function*() {
        const hmac = yield* Hmac
        // Every purpose (a literal union: no other label compiles) gives its own digest of one value.
        const purposes = ["otp-code", "refresh-token", "partner-access-token", "client-secret"] as const
        expect(new Set(purposes.map((purpose) => hmac.digest(purpose, "123456"))).size).toBe(purposes.length)
      })
    ))

  it.effect("depends on the master key", () =>
    Effect.gen(function*() {
      const a = yield* run(Effect.map(Hmac, (hmac) => hmac.digest("refresh-token", "abc")))
      const b = yield* run(Effect.map(Hmac, (hmac) => hmac.digest("refresh-token", "abc")), randomBytes(32))
      expect(a).not.toBe(b)
    }))

  it.effect("equals compares digests, false on any difference or length mismatch", () =>
    run(
      Effect.gen(function*() {
        const hmac = yield* Hmac
        const digest = hmac.digest("refresh-token", "abc")
        expect(hmac.equals(digest, hmac.digest("refresh-token", "abc"))).toBe(true)
        expect(hmac.equals(digest, hmac.digest("refresh-token", "abd"))).toBe(false)
        expect(hmac.equals(digest, digest.slice(0, -1))).toBe(false)
        expect(hmac.equals(digest, `${digest}A`)).toBe(false)
        expect(hmac.equals("", "")).toBe(true)
        expect(hmac.equals("é", "e\u0301")).toBe(false)
      })
    ))
})
