/**
 * Password hashing with Argon2id (OWASP: m=19456 KiB, t=2, p=1), NFKC-normalised, stored as PHC
 * strings; weaker stored hashes are reported for re-hashing. Concurrent hashing is capped below
 * libuv's 4-thread pool so other pool users (file I/O, DNS) are not starved.
 */
import { type Algorithm, hash as argon2Hash, verify as argon2Verify } from "@node-rs/argon2"
import { Context, Effect, Layer, Redacted } from "effect"

/** Argon2id cost parameters. */
export interface PasswordCost {
  readonly memoryCost: number
  readonly timeCost: number
}

/** OWASP's headline Argon2id setting (parallelism 1). */
export const owaspPasswordCost: PasswordCost = { memoryCost: 19456, timeCost: 2 }

/** The cost new hashes are made with (lowered only by test configuration). */
export class PasswordCostConfig extends Context.Tag("Rampart/Crypto/PasswordCost")<PasswordCostConfig, PasswordCost>() {
  /** OWASP's setting. */
  static readonly Default = Layer.succeed(PasswordCostConfig, owaspPasswordCost)
}

/** The outcome of checking a password. */
export interface PasswordCheck {
  readonly valid: boolean
  readonly needsRehash: boolean
}

/** Reads `m` and `t` of a PHC string `$argon2id$v=19$m=..,t=..,p=..$salt$hash`. */
const phcCost = (phc: string): PasswordCost | undefined => {
  const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(phc)
  return match === null ? undefined : { memoryCost: Number(match[1]), timeCost: Number(match[2]) }
}

/** Hashes and verifies passwords. */
export class Passwords extends Effect.Service<Passwords>()("Rampart/Crypto/Passwords", {
  effect: Effect.gen(function* () {
    const cost = yield* PasswordCostConfig
    // 2 is Algorithm.Argon2id (an ambient const enum, not importable as a value here)
    const options = { algorithm: 2 as Algorithm, memoryCost: cost.memoryCost, timeCost: cost.timeCost, parallelism: 1 }
    const permits = yield* Effect.makeSemaphore(2)
    const normalise = (password: Redacted.Redacted<string>) => Redacted.value(password).normalize("NFKC")
    // Spent when there is no user, so unknown emails cost as much as wrong passwords.
    const dummy = yield* Effect.promise(() => argon2Hash("rampart dummy password", options))

    /** A PHC string for `password`. */
    const hash = (password: Redacted.Redacted<string>) =>
      permits.withPermits(1)(Effect.promise(() => argon2Hash(normalise(password), options))).pipe(
        Effect.withSpan("Passwords.hash")
      )

    /** Whether `password` matches `phc`, and whether `phc` is weaker than the current cost. */
    const verify = (phc: string, password: Redacted.Redacted<string>) =>
      permits
        .withPermits(1)(
          Effect.promise(() => argon2Verify(phc, normalise(password)).catch(() => false))
        )
        .pipe(
          Effect.map((valid): PasswordCheck => {
            const stored = phcCost(phc)
            const weaker =
              stored === undefined || stored.memoryCost < cost.memoryCost || stored.timeCost < cost.timeCost
            return { valid, needsRehash: valid && weaker }
          }),
          Effect.withSpan("Passwords.verify")
        )

    /** Like `verify`, but with no hash (unknown user) it spends one verification and is never valid. */
    const verifyOrBurn = (phc: string | null, password: Redacted.Redacted<string>) =>
      phc === null
        ? Effect.as(verify(dummy, password), { valid: false, needsRehash: false } as PasswordCheck)
        : verify(phc, password)

    return { hash, verify, verifyOrBurn }
  })
}) {}
