import { describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck as fc, Layer, Redacted } from "effect"
import { randomBytes } from "node:crypto"
import { MasterKey } from "../../../src/Server/Crypto/MasterKey.js"
import { SecretBox, SecretBoxError } from "../../../src/Server/Crypto/SecretBox.js"

const keyLayer = (bytes: Uint8Array = randomBytes(32)) => Layer.succeed(MasterKey, Redacted.make(new Uint8Array(bytes)))
const boxLayer = (bytes?: Uint8Array) => SecretBox.Default.pipe(Layer.provide(keyLayer(bytes)))
const masterBytes = randomBytes(32)
const TestLayer = boxLayer(masterBytes)
const run = <A, E>(effect: Effect.Effect<A, E, SecretBox>) => Effect.provide(effect, TestLayer)

/** `sealed` with byte `index` of part `part` (1 = iv, 2 = ciphertext, 3 = tag) flipped. */
const flip = (sealed: string, part: 1 | 2 | 3, index = 0) => {
  const parts = sealed.split(".")
  const bytes = Buffer.from(parts[part]!, "base64url")
  bytes[index] = bytes[index]! ^ 0x01
  parts[part] = bytes.toString("base64url")
  return parts.join(".")
}

const openError = (sealed: string, aad: string) =>
  Effect.flatMap(SecretBox, (box) => Effect.flip(box.open(sealed, aad)))

describe("SecretBox", () => {
  const shared = Effect.runSync(Effect.provide(SecretBox, TestLayer))
  it.effect.prop(
    "opens what it sealed (any unicode text, any aad)",
    [fc.string({ unit: "binary" }), fc.string()],
    ([text, aad]) =>
      Effect.gen(function*() {
        const sealed = yield* shared.seal(text, aad)
        expect(Redacted.value(yield* shared.open(sealed, aad))).toBe(text)
      })
  )

  it.effect("uses the v1.<iv>.<ct>.<tag> encoding with a 12-byte IV and a 16-byte tag", () =>
    run(
      Effect.gen(function*() {
        const box = yield* SecretBox
        const sealed = yield* box.seal(Redacted.make("JBSWY3DPEHPK3PXP"), "user-1")
        const [version, iv, ct, tag, ...rest] = sealed.split(".")
        expect(version).toBe("v1")
        expect(rest).toEqual([])
        expect(Buffer.from(iv!, "base64url").length).toBe(12)
        expect(Buffer.from(ct!, "base64url").length).toBe("JBSWY3DPEHPK3PXP".length)
        expect(Buffer.from(tag!, "base64url").length).toBe(16)
        expect(sealed).not.toContain("JBSWY3DPEHPK3PXP")
        expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$/)
      })
    ))

  it.effect("seals the same plaintext differently each time", () =>
    run(
      Effect.gen(function*() {
        const box = yield* SecretBox
        const a = yield* box.seal("secret", "user-1")
        const b = yield* box.seal("secret", "user-1")
        expect(a).not.toBe(b)
        expect(a.split(".")[1]).not.toBe(b.split(".")[1])
      })
    ))

  it.effect("detects a flipped byte in the iv, the ciphertext or the tag", () =>
    run(
      Effect.gen(function*() {
        const box = yield* SecretBox
        const sealed = yield* box.seal("a TOTP secret", "user-1")
        for (const [part, index] of [[1, 0], [1, 11], [2, 0], [2, 12], [3, 0], [3, 15]] as const) {
          const error = yield* openError(flip(sealed, part, index), "user-1")
          expect(error).toBeInstanceOf(SecretBoxError)
          expect(error._tag).toBe("SecretBoxError")
        }
      })
    ))

  it.effect("refuses a ciphertext moved to another row (wrong aad)", () =>
    run(
      Effect.gen(function*() {
        const box = yield* SecretBox
        const sealed = yield* box.seal("secret", "user-1")
        expect((yield* openError(sealed, "user-2"))._tag).toBe("SecretBoxError")
        expect((yield* openError(sealed, ""))._tag).toBe("SecretBoxError")
      })
    ))

  it.effect("refuses a value sealed under another master key", () =>
    Effect.gen(function*() {
      const sealed = yield* Effect.provide(Effect.flatMap(SecretBox, (box) => box.seal("secret", "user-1")), boxLayer())
      expect((yield* run(openError(sealed, "user-1")))._tag).toBe("SecretBoxError")
    }))

  it.effect("opens under a second instance with the same master key", () =>
    Effect.gen(function*() {
      const sealed = yield* run(Effect.flatMap(SecretBox, (box) => box.seal("secret", "user-1")))
      const opened = yield* Effect.provide(
        Effect.flatMap(SecretBox, (box) => box.open(sealed, "user-1")),
        boxLayer(masterBytes)
      )
      expect(Redacted.value(opened)).toBe("secret")
    }))

  it.effect("refuses malformed input with SecretBoxError, never a defect", () =>
    run(
      Effect.gen(function*() {
        const box = yield* SecretBox
        const sealed = yield* box.seal("secret", "user-1")
        const [, iv, ct, tag] = sealed.split(".")
        const bad = [
          "",
          "garbage",
          sealed.replace(/^v1/, "v2"),
          `${sealed}.extra`,
          `v1.${iv}.${ct}`,
          `v1.${iv!.slice(2)}.${ct}.${tag}`, // short IV
          `v1.${iv}.${ct}.${tag!.slice(0, 12)}`, // truncated tag
          `v1.${iv}.${ct}!.${tag}`, // stray character Node's decoder would skip
          `v1.${iv}.${ct}.${tag}=` // padding is not part of the encoding
        ]
        for (const input of bad) {
          expect((yield* openError(input, "user-1"))._tag).toBe("SecretBoxError")
        }
      })
    ))

  it.effect("seals the empty string", () =>
    run(
      Effect.gen(function*() {
        const box = yield* SecretBox
        const sealed = yield* box.seal("", "row")
        expect(Redacted.value(yield* box.open(sealed, "row"))).toBe("")
      })
    ))
})
