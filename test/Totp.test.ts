import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, FastCheck, Redacted, TestClock } from "effect"
import { execFileSync } from "node:child_process"
import { Totp, type TotpAlgorithm, totpAt, type TotpOptions } from "../src/Totp.js"
import { base32 } from "./support/Base32.js"

const ascii = (text: string) => new TextEncoder().encode(text)

/** The code of `secret` at `seconds`, failing the test on a format error. */
const codeAt = (secret: string, seconds: number, options?: TotpOptions): string =>
  Either.getOrThrowWith(totpAt(secret, seconds, options), (error) => new Error(error.message))

const setSeconds = (seconds: number) => TestClock.setTime(seconds * 1000)

const withTotp = <A, E>(f: (totp: Totp) => Effect.Effect<A, E>) =>
  Effect.flatMap(Totp, f).pipe(Effect.provide(Totp.Default))

describe("Totp", () => {
  describe("RFC 6238 Appendix B", () => {
    const seeds: Record<TotpAlgorithm, string> = {
      sha1: base32(ascii("12345678901234567890")),
      sha256: base32(ascii("12345678901234567890123456789012")),
      sha512: base32(ascii("1234567890123456789012345678901234567890123456789012345678901234"))
    }
    const vectors: ReadonlyArray<readonly [number, TotpAlgorithm, string]> = [
      [59, "sha1", "94287082"],
      [59, "sha256", "46119246"],
      [59, "sha512", "90693936"],
      [1111111109, "sha1", "07081804"],
      [1111111109, "sha256", "68084774"],
      [1111111109, "sha512", "25091201"],
      [1111111111, "sha1", "14050471"],
      [1111111111, "sha256", "67062674"],
      [1111111111, "sha512", "99943326"],
      [1234567890, "sha1", "89005924"],
      [1234567890, "sha256", "91819424"],
      [1234567890, "sha512", "93441116"],
      [2000000000, "sha1", "69279037"],
      [2000000000, "sha256", "90698825"],
      [2000000000, "sha512", "38618901"],
      [20000000000, "sha1", "65353130"],
      [20000000000, "sha256", "77737706"],
      [20000000000, "sha512", "47863826"]
    ]

    it("encodes the RFC seed as the well-known base32 string", () => {
      expect(seeds.sha1).toBe("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
    })

    for (const [time, algorithm, expected] of vectors) {
      it.effect(`${algorithm} at ${time} is ${expected}`, () =>
        withTotp((totp) =>
          Effect.gen(function*() {
            const options: TotpOptions = { algorithm, digits: 8 }
            const secret = seeds[algorithm]
            expect(totpAt(secret, time, options)).toEqual(Either.right(expected))
            yield* setSeconds(time)
            expect(yield* totp.generate(secret, options)).toBe(expected)
            expect(yield* totp.generate(Redacted.make(secret), options)).toBe(expected)
            expect(yield* totp.verify({ secret, code: expected, options })).toBe(Math.floor(time / 30))
          })
        ))
    }
  })

  describe("agreement with oathtool", () => {
    const hasOathtool = (() => {
      try {
        execFileSync("oathtool", ["--version"], { stdio: "ignore" })
        return true
      } catch {
        return false
      }
    })()

    const oathtool = (secret: string, seconds: number, options: TotpOptions): string =>
      execFileSync("oathtool", [
        `--totp=${(options.algorithm ?? "sha1").toUpperCase()}`,
        "--base32",
        `--digits=${options.digits ?? 6}`,
        `--time-step-size=${options.period ?? 30}s`,
        `--now=@${seconds}`,
        secret
      ], { encoding: "utf8" }).trim()

    const combos: ReadonlyArray<TotpOptions> = [
      {},
      { algorithm: "sha256", digits: 8 },
      { algorithm: "sha512", digits: 7, period: 60 },
      { algorithm: "sha1", digits: 8, period: 15 }
    ]

    it.skipIf(!hasOathtool)("gives the code of `oathtool --totp -b` for random secrets, times and options", () => {
      FastCheck.assert(
        FastCheck.property(
          FastCheck.uint8Array({ minLength: 16, maxLength: 64 }),
          FastCheck.integer({ min: 0, max: 20_000_000_000 }),
          FastCheck.constantFrom(...combos),
          FastCheck.boolean(),
          (bytes, seconds, options, lowerCase) => {
            const secret = base32(bytes)
            const input = lowerCase ? secret.toLowerCase() : secret
            expect(codeAt(input, seconds, options)).toBe(oathtool(secret, seconds, options))
          }
        ),
        { numRuns: 100 }
      )
    })

    it.skipIf(!hasOathtool)("gives oathtool's code for the Clock time, for every option combination", () => {
      const secret = base32(ascii("a secret of twenty b"))
      for (const options of combos) {
        for (const seconds of [0, 29, 30, 59, 1_700_000_000, 4_294_967_296]) {
          expect(codeAt(secret, seconds, options)).toBe(oathtool(secret, seconds, options))
        }
      }
    })
  })

  describe("window and replay rules", () => {
    const secret = base32(ascii("window-and-replay-20"))
    const S = 56_666_666 // a step near 2023-11; its codes and their neighbours' are distinct (asserted)
    const timeOfStep = (step: number) => step * 30 + 7
    const code = codeAt(secret, S * 30)

    it("uses a secret whose codes around S are all distinct", () => {
      const codes = [-3, -2, -1, 0, 1, 2, 3].map((d) => codeAt(secret, (S + d) * 30))
      expect(new Set(codes).size).toBe(codes.length)
    })

    it.effect("accepts the code of step S at steps S-1, S and S+1 and returns S", () =>
      withTotp((totp) =>
        Effect.gen(function*() {
          for (const step of [S - 1, S, S + 1]) {
            yield* setSeconds(timeOfStep(step))
            expect(yield* totp.verify({ secret, code })).toBe(S)
          }
          // The first and last second of the window count too.
          yield* setSeconds((S - 1) * 30)
          expect(yield* totp.verify({ secret, code })).toBe(S)
          yield* setSeconds((S + 2) * 30 - 1)
          expect(yield* totp.verify({ secret, code })).toBe(S)
        })
      ))

    it.effect("refuses the code of step S at steps S-2 and S+2 with InvalidOtp", () =>
      withTotp((totp) =>
        Effect.gen(function*() {
          for (const seconds of [timeOfStep(S - 2), (S - 1) * 30 - 1, timeOfStep(S + 2), (S + 2) * 30]) {
            yield* setSeconds(seconds)
            const error = yield* Effect.flip(totp.verify({ secret, code }))
            expect(error._tag).toBe("InvalidOtp")
          }
        })
      ))

    it.effect("returns the matched step, not the current one", () =>
      withTotp((totp) =>
        Effect.gen(function*() {
          yield* setSeconds(timeOfStep(S))
          expect(yield* totp.verify({ secret, code: codeAt(secret, (S - 1) * 30) })).toBe(S - 1)
          expect(yield* totp.verify({ secret, code: codeAt(secret, (S + 1) * 30) })).toBe(S + 1)
          expect(yield* totp.currentStep()).toBe(S)
          expect(yield* totp.currentStep({ period: 60 })).toBe(Math.floor(timeOfStep(S) / 60))
        })
      ))

    it.effect("refuses a code whose step is at or before afterStep (RFC 6238 §5.2)", () =>
      withTotp((totp) =>
        Effect.gen(function*() {
          yield* setSeconds(timeOfStep(S))
          const previous = codeAt(secret, (S - 1) * 30)
          const next = codeAt(secret, (S + 1) * 30)
          for (const refused of [code, previous]) {
            const error = yield* Effect.flip(totp.verify({ secret, code: refused, afterStep: S }))
            expect(error._tag).toBe("InvalidOtp")
          }
          expect(yield* totp.verify({ secret, code: next, afterStep: S })).toBe(S + 1)
          expect(yield* totp.verify({ secret, code, afterStep: S - 1 })).toBe(S)
          expect(yield* totp.verify({ secret, code, afterStep: null })).toBe(S)
          expect(yield* totp.verify({ secret, code, afterStep: -1 })).toBe(S)
          // afterStep at or beyond the end of the window refuses everything, still as InvalidOtp.
          for (const afterStep of [S + 1, S + 5, Number.POSITIVE_INFINITY]) {
            const error = yield* Effect.flip(totp.verify({ secret, code: next, afterStep }))
            expect(error._tag).toBe("InvalidOtp")
          }
        })
      ))

    it.effect("accepts a Redacted secret and non-default options", () =>
      withTotp((totp) =>
        Effect.gen(function*() {
          const options: TotpOptions = { algorithm: "sha512", digits: 8, period: 60 }
          const step = Math.floor(timeOfStep(S) / 60)
          yield* setSeconds(timeOfStep(S))
          const code8 = yield* totp.generate(secret, options)
          expect(code8).toMatch(/^\d{8}$/)
          expect(yield* totp.verify({ secret: Redacted.make(secret), code: code8, options })).toBe(step)
          const error = yield* Effect.flip(totp.verify({ secret, code: code8, afterStep: step, options }))
          expect(error._tag).toBe("InvalidOtp")
        })
      ))
  })

  describe("malformed input", () => {
    const secret = base32(ascii("12345678901234567890"))

    for (const code of ["12345", "abcdef", "", "1234567", " 123456", "12345a", "123 45", "１２３４５６"]) {
      it.effect(`code ${JSON.stringify(code)} is a TotpFormatError`, () =>
        withTotp((totp) =>
          Effect.gen(function*() {
            yield* setSeconds(1_700_000_000)
            const error = yield* Effect.flip(totp.verify({ secret, code }))
            expect(error._tag).toBe("TotpFormatError")
            // Format is checked before the replay rule: still a format error with a late afterStep.
            const late = yield* Effect.flip(totp.verify({ secret, code, afterStep: 1e12 }))
            expect(late._tag).toBe("TotpFormatError")
          })
        ))
    }

    for (const bad of ["not base32!", "", "GEZ", "GEZDGNBVGY3TQOJQ1"]) {
      it.effect(`secret ${JSON.stringify(bad)} is a TotpFormatError`, () =>
        withTotp((totp) =>
          Effect.gen(function*() {
            const verifyError = yield* Effect.flip(totp.verify({ secret: bad, code: "123456" }))
            expect(verifyError._tag).toBe("TotpFormatError")
            const generated = yield* Effect.either(totp.generate(bad))
            expect(Either.isLeft(generated) && generated.left._tag).toBe("TotpFormatError")
            expect(Either.isLeft(totpAt(bad, 59))).toBe(true)
          })
        ))
    }

    it.effect("a code of the wrong length for the digits option is a TotpFormatError", () =>
      withTotp((totp) =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(totp.verify({ secret, code: "123456", options: { digits: 8 } }))
          expect(error._tag).toBe("TotpFormatError")
        })
      ))

    it.effect("out-of-range options are a TotpFormatError, not a defect", () =>
      withTotp((totp) =>
        Effect.gen(function*() {
          const badOptions = [
            { digits: 9 },
            { period: 0 },
            { period: 1.5 },
            { algorithm: "md5" }
          ] as unknown as ReadonlyArray<TotpOptions>
          for (const options of badOptions) {
            const error = yield* Effect.flip(totp.verify({ secret, code: "123456", options }))
            expect(error._tag).toBe("TotpFormatError")
            const generated = yield* Effect.flip(totp.generate(secret, options))
            expect(generated._tag).toBe("TotpFormatError")
          }
        })
      ))
  })

  describe("properties", () => {
    /** The step a code matches first in [from, to], as otplib scans, or undefined. */
    const firstMatch = (secret: string, code: string, from: number, to: number): number | undefined => {
      for (let step = Math.max(0, from); step <= to; step++) {
        if (codeAt(secret, step * 30) === code) return step
      }
      return undefined
    }

    const checkRoundTrip = (totp: Totp, secret: string, t: number) =>
      Effect.gen(function*() {
        const S = Math.floor(t / 30)
        yield* setSeconds(t)
        const code = yield* totp.generate(secret)
        expect(code).toBe(codeAt(secret, t))
        // Normally S; S-1 only if step S-1 happens to have the same code.
        expect(yield* totp.verify({ secret, code })).toBe(firstMatch(secret, code, S - 1, S + 1))
        // Two steps later the window is S+1..S+3: refused unless one of those codes collides.
        yield* setSeconds(t + 60)
        const later = yield* Effect.either(totp.verify({ secret, code }))
        const collision = firstMatch(secret, code, S + 1, S + 3)
        if (collision === undefined) {
          expect(Either.isLeft(later) && later.left._tag).toBe("InvalidOtp")
        } else {
          expect(later).toEqual(Either.right(collision))
        }
      })

    it.effect.prop(
      "a code generated at t verifies at t and is refused at t + 60 s (any 20-byte secret)",
      [FastCheck.uint8Array({ minLength: 20, maxLength: 20 }), FastCheck.integer({ min: 0, max: 20_000_000_000 })],
      ([bytes, t]) => withTotp((totp) => checkRoundTrip(totp, base32(bytes), t)),
      { fastCheck: { numRuns: 200 } }
    )

    it.effect.prop(
      "a code generated at t verifies at t and is refused at t + 60 s (generated secrets)",
      [FastCheck.integer({ min: 0, max: 20_000_000_000 })],
      ([t]) => withTotp((totp) => Effect.flatMap(totp.generateSecret, (secret) => checkRoundTrip(totp, secret, t))),
      { fastCheck: { numRuns: 100 } }
    )
  })

  describe("generateSecret", () => {
    it.effect("is 20 random bytes in unpadded base32", () =>
      withTotp((totp) =>
        Effect.gen(function*() {
          const secrets = new Set<string>()
          for (let i = 0; i < 50; i++) {
            const secret = yield* totp.generateSecret
            expect(secret).toMatch(/^[A-Z2-7]{32}$/) // 160 bits = exactly 32 base32 characters
            secrets.add(secret)
          }
          expect(secrets.size).toBe(50)
        })
      ))
  })

  describe("keyUri", () => {
    it.effect("is an otpauth://totp URI with secret, issuer Rampart and the parameters", () =>
      withTotp((totp) =>
        Effect.gen(function*() {
          const secret = yield* totp.generateSecret
          const uri = totp.keyUri({ secret, account: "alice+mfa@example.com" })
          const url = new URL(uri)
          expect(url.protocol).toBe("otpauth:")
          expect(url.host).toBe("totp")
          expect(decodeURIComponent(url.pathname)).toBe("/Rampart:alice+mfa@example.com")
          expect(url.searchParams.get("secret")).toBe(secret)
          expect(url.searchParams.get("issuer")).toBe("Rampart")
          expect(url.searchParams.get("algorithm")).toBe("SHA1")
          expect(url.searchParams.get("digits")).toBe("6")
          expect(url.searchParams.get("period")).toBe("30")
        })
      ))

    it.effect("encodes the issuer and account and reflects non-default options", () =>
      withTotp((totp) =>
        Effect.gen(function*() {
          const uri = totp.keyUri({
            secret: Redacted.make("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"),
            account: "bob smith&co:1",
            issuer: "Acme Co/Ops",
            options: { algorithm: "sha256", digits: 8, period: 60 }
          })
          expect(uri).not.toMatch(/\s/)
          const url = new URL(uri)
          expect(url.protocol).toBe("otpauth:")
          expect(url.host).toBe("totp")
          // Only the issuer/account separator is a literal ':'; a ':' inside the account is encoded.
          const label = url.pathname.slice(1).split(":").map(decodeURIComponent)
          expect(label).toEqual(["Acme Co/Ops", "bob smith&co:1"])
          expect(url.searchParams.get("issuer")).toBe("Acme Co/Ops")
          expect(url.searchParams.get("secret")).toBe("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
          expect(url.searchParams.get("algorithm")).toBe("SHA256")
          expect(url.searchParams.get("digits")).toBe("8")
          expect(url.searchParams.get("period")).toBe("60")
        })
      ))
  })
})
