import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Redacted } from "effect"
import { hkdfSync, randomBytes } from "node:crypto"
import {
  deriveKey,
  generateMasterKeyBase64,
  MasterKey,
  MasterKeyError,
  masterKeyFromBase64
} from "../../../src/Server/Crypto/MasterKey.js"

const failureMessage = (base64: string) =>
  Effect.map(Effect.flip(masterKeyFromBase64(Redacted.make(base64))), (error) => {
    expect(error).toBeInstanceOf(MasterKeyError)
    return error.message
  })

describe("MasterKey", () => {
  it.effect("accepts a generated key: 32 bytes", () =>
    Effect.gen(function*() {
      const base64 = generateMasterKeyBase64()
      const key = yield* masterKeyFromBase64(Redacted.make(base64))
      expect(Buffer.from(Redacted.value(key)).toString("base64")).toBe(base64)
      expect(Redacted.value(key).length).toBe(32)
      expect(generateMasterKeyBase64()).not.toBe(base64)
    }))

  it.effect("accepts base64 without padding and with surrounding whitespace", () =>
    Effect.gen(function*() {
      const bytes = randomBytes(32)
      const unpadded = bytes.toString("base64").replace(/=+$/, "")
      const key = yield* masterKeyFromBase64(Redacted.make(`  ${unpadded}\n`))
      expect(Buffer.from(Redacted.value(key)).equals(bytes)).toBe(true)
    }))

  it.effect("rejects a 31-byte key with a message naming RAMPART_SECRET_KEY", () =>
    Effect.gen(function*() {
      const message = yield* failureMessage(randomBytes(31).toString("base64"))
      expect(message).toContain("RAMPART_SECRET_KEY")
      expect(message).toContain("31 bytes")
    }))

  it.effect("rejects 33 bytes, empty and non-base64 input", () =>
    Effect.gen(function*() {
      for (
        const bad of [randomBytes(33).toString("base64"), "", "not base64 at all!", randomBytes(32).toString("hex")]
      ) {
        expect(yield* failureMessage(bad)).toContain("RAMPART_SECRET_KEY")
      }
    }))

  it.effect("layerFromBase64 provides the key or fails the layer", () =>
    Effect.gen(function*() {
      const base64 = generateMasterKeyBase64()
      const key = yield* Effect.provide(MasterKey, MasterKey.layerFromBase64(Redacted.make(base64)))
      expect(Buffer.from(Redacted.value(key)).toString("base64")).toBe(base64)
      const bad = yield* Effect.exit(
        Effect.provide(MasterKey, MasterKey.layerFromBase64(Redacted.make(randomBytes(31).toString("base64"))))
      )
      expect(Exit.isFailure(bad)).toBe(true)
    }))

  it("derives distinct purpose keys with the documented HKDF labels", () => {
    const master = Redacted.make(new Uint8Array(randomBytes(32)))
    const box = deriveKey(master, "secret-box")
    const hmac = deriveKey(master, "hmac")
    expect(box.length).toBe(32)
    expect(box.equals(hmac)).toBe(false)
    // Pinned: changing a label would make every stored ciphertext and digest unreadable.
    const expected = (info: string) =>
      Buffer.from(hkdfSync("sha256", Redacted.value(master), Buffer.alloc(0), info, 32))
    expect(box.equals(expected("rampart/secret-box"))).toBe(true)
    expect(hmac.equals(expected("rampart/hmac"))).toBe(true)
  })
})
