import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import {
  hashingConcurrency,
  owaspPasswordCost,
  PasswordCostConfig,
  Passwords
} from "../../../src/Server/Crypto/Passwords.js"

const cheap = { memoryCost: 1024, timeCost: 1 }
const CheapLayer = Passwords.layerWith(cheap)
const OwaspLayer = Passwords.layerWith()
const pw = Redacted.make

describe("Passwords", () => {
  it.effect("default cost: PHC string $argon2id$v=19$m=19456,t=2,p=1$; verifies right and rejects wrong", () =>
    Effect.gen(function*() {
      const passwords = yield* Passwords
      const phc = yield* passwords.hash(pw("correct horse battery"))
      expect(phc.startsWith("$argon2id$v=19$m=19456,t=2,p=1$")).toBe(true)
      expect(phc).not.toContain("correct horse")
      expect(yield* passwords.verify(phc, pw("correct horse battery"))).toEqual({ valid: true, needsRehash: false })
      expect(yield* passwords.verify(phc, pw("correct horse batterY"))).toEqual({ valid: false, needsRehash: false })
    }).pipe(Effect.provide(OwaspLayer)))

  it.effect("salts: the same password hashes differently", () =>
    Effect.gen(function*() {
      const passwords = yield* Passwords
      const a = yield* passwords.hash(pw("same password"))
      const b = yield* passwords.hash(pw("same password"))
      expect(a).not.toBe(b)
      expect(a.startsWith("$argon2id$v=19$m=1024,t=1,p=1$")).toBe(true)
    }).pipe(Effect.provide(CheapLayer)))

  it.effect("NFKC: the ﬁ ligature equals fi, full-width digits equal ASCII digits", () =>
    Effect.gen(function*() {
      const passwords = yield* Passwords
      const ligature = yield* passwords.hash(pw("ﬁsh and chips"))
      expect((yield* passwords.verify(ligature, pw("fish and chips"))).valid).toBe(true)
      const fullWidth = yield* passwords.hash(pw("pin１２３４５６"))
      expect((yield* passwords.verify(fullWidth, pw("pin123456"))).valid).toBe(true)
      // Composed and decomposed é are the same password too.
      const composed = yield* passwords.hash(pw("caf\u00e9 au lait"))
      expect((yield* passwords.verify(composed, pw("cafe\u0301 au lait"))).valid).toBe(true)
      expect((yield* passwords.verify(composed, pw("cafe au lait"))).valid).toBe(false)
    }).pipe(Effect.provide(CheapLayer)))

  it.effect("needsRehash: a hash made at a lower cost, verified at the default cost", () =>
    Effect.gen(function*() {
      const weak = yield* Effect.provide(
        Effect.flatMap(Passwords, (passwords) => passwords.hash(pw("correct horse battery"))),
        CheapLayer
      )
      const passwords = yield* Passwords
      expect(yield* passwords.verify(weak, pw("correct horse battery"))).toEqual({ valid: true, needsRehash: true })
      // Only a successful login can re-hash, so a wrong password never asks for it.
      expect(yield* passwords.verify(weak, pw("wrong password!"))).toEqual({ valid: false, needsRehash: false })
    }).pipe(Effect.provide(OwaspLayer)))

  it.effect("a stored hash at a higher cost than configured does not need re-hashing", () =>
    Effect.gen(function*() {
      const strong = yield* Effect.provide(
        Effect.flatMap(Passwords, (passwords) => passwords.hash(pw("correct horse battery"))),
        Passwords.layerWith({ memoryCost: 2048, timeCost: 2 })
      )
      const passwords = yield* Passwords
      expect(yield* passwords.verify(strong, pw("correct horse battery"))).toEqual({ valid: true, needsRehash: false })
    }).pipe(Effect.provide(CheapLayer)))

  it.effect("a malformed stored hash is invalid, not a defect", () =>
    Effect.gen(function*() {
      const passwords = yield* Passwords
      expect(yield* passwords.verify("not a phc string", pw("anything at all"))).toEqual({
        valid: false,
        needsRehash: false
      })
      expect((yield* passwords.verifyOrBurn("", pw("anything at all"))).valid).toBe(false)
    }).pipe(Effect.provide(CheapLayer)))

  it.effect("verifyOrBurn: with a hash it verifies; without one it is never valid", () =>
    Effect.gen(function*() {
      const passwords = yield* Passwords
      const phc = yield* passwords.hash(pw("correct horse battery"))
      expect((yield* passwords.verifyOrBurn(phc, pw("correct horse battery"))).valid).toBe(true)
      expect(yield* passwords.verifyOrBurn(null, pw("correct horse battery"))).toEqual({
        valid: false,
        needsRehash: false
      })
      expect(yield* passwords.verifyOrBurn(null, pw("rampart dummy password"))).toEqual({
        valid: false,
        needsRehash: false
      })
    }).pipe(Effect.provide(CheapLayer)))

  it.effect("Passwords.Default takes its cost from PasswordCostConfig", () =>
    Effect.gen(function*() {
      const passwords = yield* Passwords
      expect((yield* passwords.hash(pw("x"))).startsWith("$argon2id$v=19$m=1024,t=1,p=1$")).toBe(true)
      expect(owaspPasswordCost).toEqual({ memoryCost: 19456, timeCost: 2 })
    }).pipe(Effect.provide(Passwords.Default.pipe(Layer.provide(Layer.succeed(PasswordCostConfig, cheap))))))

  it.effect("hashes many passwords concurrently (capped, none lost)", () =>
    Effect.gen(function*() {
      const passwords = yield* Passwords
      const hashes = yield* Effect.forEach(
        Array.from({ length: 8 }, (_, i) => `password number ${i}`),
        (password) => Effect.map(passwords.hash(pw(password)), (phc) => [password, phc] as const),
        { concurrency: "unbounded" }
      )
      const checks = yield* Effect.forEach(hashes, ([password, phc]) => passwords.verify(phc, pw(password)), {
        concurrency: "unbounded"
      })
      expect(checks.every((check) => check.valid)).toBe(true)
    }).pipe(Effect.provide(CheapLayer)))

  it("runs at most two hashes at once, and never more than the CPUs the process may use", () => {
    expect([1, 2, 4, 64].map(hashingConcurrency)).toEqual([1, 2, 2, 2])
    // A CPU count that could not be read still lets one hash run.
    expect(hashingConcurrency(0)).toBe(1)
  })
})
