/**
 * An unknown user costs a login what a wrong password costs: `verifyOrBurn(null, …)` runs one real
 * Argon2id verification at the configured cost (against a dummy hash made at that cost), so the
 * refusals cannot be told apart by their time. Checked by watching the calls to `@node-rs/argon2`
 * (the real module, called through) rather than by timing them, which a loaded machine would blur.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { vi } from "vitest"
import { owaspPasswordCost, Passwords } from "../../../src/Server/Crypto/Passwords.js"

const verified: Array<string> = []
vi.mock("@node-rs/argon2", async (importOriginal) => {
  const real = await importOriginal<typeof import("@node-rs/argon2")>()
  return {
    ...real,
    verify: (phc: string, ...rest: Array<any>) => {
      verified.push(phc)
      return (real.verify as (...args: Array<unknown>) => Promise<boolean>)(phc, ...rest)
    }
  }
})

const pw = Redacted.make

describe("Passwords.verifyOrBurn", () => {
  it.effect("an unknown user spends one Argon2id verification at the configured cost, as a wrong password does", () =>
    Effect.gen(function*() {
      const passwords = yield* Passwords
      const phc = yield* passwords.hash(pw("correct horse battery"))
      verified.length = 0
      expect(yield* passwords.verifyOrBurn(phc, pw("wrong password!"))).toMatchObject({ valid: false })
      expect(yield* passwords.verifyOrBurn(null, pw("wrong password!"))).toEqual({ valid: false, needsRehash: false })
      expect(verified).toHaveLength(2)
      const [wrong, unknown] = verified as [string, string]
      const costOf = (hash: string) => hash.split("$")[3]
      expect(costOf(wrong)).toBe(`m=${owaspPasswordCost.memoryCost},t=${owaspPasswordCost.timeCost},p=1`)
      expect(costOf(unknown)).toBe(costOf(wrong))
      expect(unknown).not.toBe(wrong)
    }).pipe(Effect.provide(Passwords.layerWith())))
})
