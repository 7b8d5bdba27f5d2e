import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { RandomTokens } from "../../../src/Server/Crypto/RandomTokens.js"

const run = <A, E>(effect: Effect.Effect<A, E, RandomTokens>) => Effect.provide(effect, RandomTokens.Default)

describe("RandomTokens", () => {
  it.effect("token: 32 random bytes as 43 base64url characters, fresh each time", () =>
    run(
      Effect.gen(function*() {
        const random = yield* RandomTokens
        const tokens = yield* Effect.replicateEffect(random.token(), 100)
        for (const token of tokens) {
          const text = Redacted.value(token)
          expect(text).toMatch(/^[A-Za-z0-9_-]{43}$/)
          expect(Buffer.from(text, "base64url").length).toBe(32)
        }
        expect(new Set(tokens.map(Redacted.value)).size).toBe(100)
      })
    ))

  it.effect("otpCode: 6 decimal digits, leading zeros kept", () =>
    run(
      Effect.gen(function*() {
        const random = yield* RandomTokens
        const codes = yield* Effect.replicateEffect(random.otpCode(), 20_000)
        for (const code of codes) expect(code).toMatch(/^\d{6}$/)
        // A code below 100000 appears with probability 10% per draw: over 20k draws, surely.
        expect(codes.some((code) => code.startsWith("0"))).toBe(true)
      })
    ))

  it.effect("otpCode: first digits are roughly uniform over 20k codes (each 8%..12%)", () =>
    run(
      Effect.gen(function*() {
        const random = yield* RandomTokens
        const codes = yield* Effect.replicateEffect(random.otpCode(), 20_000)
        const counts = Array.from({ length: 10 }, () => 0)
        for (const code of codes) counts[Number(code[0])]! += 1
        for (const count of counts) {
          expect(count / codes.length).toBeGreaterThanOrEqual(0.08)
          expect(count / codes.length).toBeLessThanOrEqual(0.12)
        }
      })
    ))

  it.effect("bytes(n): n random bytes", () =>
    run(
      Effect.gen(function*() {
        const random = yield* RandomTokens
        expect((yield* random.bytes(0)).length).toBe(0)
        const a = yield* random.bytes(20)
        const b = yield* random.bytes(20)
        expect(a).toBeInstanceOf(Uint8Array)
        expect(a.length).toBe(20)
        expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false)
      })
    ))

  it.effect("can be replaced by a deterministic layer", () =>
    Effect.gen(function*() {
      const fixed = Layer.succeed(
        RandomTokens,
        RandomTokens.make({
          token: () => Effect.succeed(Redacted.make("t".repeat(43))),
          otpCode: () => Effect.succeed("000042"),
          bytes: (n) => Effect.succeed(new Uint8Array(n))
        })
      )
      const code = yield* Effect.provide(Effect.flatMap(RandomTokens, (random) => random.otpCode()), fixed)
      expect(code).toBe("000042")
    }))
})
