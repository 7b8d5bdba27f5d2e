/**
 * Password hashing with Argon2id (OWASP: m=19456 KiB, t=2, p=1), NFKC-normalised, stored as PHC
 * strings; weaker stored hashes are reported for re-hashing. Concurrent hashing is capped below
 * libuv's 4-thread pool so other pool users (WebCrypto signing, file I/O, DNS) are not starved.
 */
import { type Algorithm, hash as argon2Hash, parseOptions, verify as argon2Verify } from "@node-rs/argon2"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { availableParallelism } from "node:os"
import { traced } from "../../internal/Spans.js"

/** Argon2id cost parameters (parallelism is always 1). */
export interface PasswordCost {
  /** Memory in KiB (`m=`). */
  readonly memoryCost: number
  /** Passes (`t=`). */
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
  /** The password matches the stored hash. */
  readonly valid: boolean
  /** Valid, and the stored hash is weaker than the configured cost (or not Argon2id v19): re-hash it. */
  readonly needsRehash: boolean
}

// `Algorithm` is an ambient const enum, erased at runtime (the package exports `{}`), so the
// value of `Algorithm.Argon2id` is spelled out.
const argon2id = 2 as Algorithm
const argon2Version13 = 1 // Version.V0x13, also a const enum

/**
 * How many Argon2 computations run at once: 2, which leaves half of libuv's 4 pool threads to other
 * users, but never more than the CPUs this process may run on. A computation is memory-bound (19 MiB
 * read at random): two on one CPU take turns evicting each other's memory from its caches, and one
 * CPU's logins/s went 118 → 127 with one at a time (docs/benchmarks.md, login-rps).
 */
export const hashingConcurrency = (cpus: number): number => Math.max(1, Math.min(2, cpus))

// One process-wide cap: libuv's pool is per process, so two Passwords layers must share it.
const hashingPermits = Effect.unsafeMakeSemaphore(hashingConcurrency(availableParallelism()))

/** Runs one Argon2 computation under the cap; uninterruptible so a permit is held while its thread works. */
const onPool = <A>(run: () => Promise<A>): Effect.Effect<A> =>
  hashingPermits.withPermits(1)(Effect.uninterruptible(Effect.promise(run)))

const normalise = (password: Redacted.Redacted<string>): string => Redacted.value(password).normalize("NFKC")

/** Whether a stored PHC string is weaker than `cost` (an unparseable one counts as weaker). */
const isWeaker = (phc: string, cost: PasswordCost): boolean => {
  try {
    const stored = parseOptions(phc)
    return (
      stored.algorithm !== argon2id ||
      stored.version !== argon2Version13 ||
      stored.memoryCost < cost.memoryCost ||
      stored.timeCost < cost.timeCost
    )
  } catch {
    return true
  }
}

/** Hashes and verifies passwords at the cost given by `PasswordCostConfig`. */
export class Passwords extends Effect.Service<Passwords>()("Rampart/Crypto/Passwords", {
  effect: Effect.gen(function*() {
    const cost = yield* PasswordCostConfig
    const options = { algorithm: argon2id, memoryCost: cost.memoryCost, timeCost: cost.timeCost, parallelism: 1 }
    // Verified against when there is no user, so unknown emails cost as much as wrong passwords.
    const dummy = yield* onPool(() => argon2Hash("rampart dummy password", options))

    /** A PHC string (`$argon2id$v=19$m=..,t=..,p=1$salt$hash`) for the NFKC form of `password`. */
    const hash = (password: Redacted.Redacted<string>): Effect.Effect<string> =>
      onPool(() => argon2Hash(normalise(password), options)).pipe(traced("Passwords.hash"))

    /** Whether `password` matches `phc`, and whether `phc` should be re-hashed at the current cost. */
    const verify = (phc: string, password: Redacted.Redacted<string>): Effect.Effect<PasswordCheck> =>
      onPool(() =>
        argon2Verify(phc, normalise(password)).then(
          (valid) => ({ valid, malformed: false }),
          () => ({ valid: false, malformed: true })
        )
      ).pipe(
        Effect.tap(({ malformed }) =>
          malformed ? Effect.logWarning("Passwords.verify: stored hash is not a valid PHC string") : Effect.void
        ),
        Effect.map(({ valid }): PasswordCheck => ({ valid, needsRehash: valid && isWeaker(phc, cost) })),
        traced("Passwords.verify")
      )

    /** `verify`, but with no hash (unknown or locked user) it spends one verification and is never valid. */
    const verifyOrBurn = (phc: string | null, password: Redacted.Redacted<string>): Effect.Effect<PasswordCheck> =>
      phc === null
        ? Effect.as(verify(dummy, password), { valid: false, needsRehash: false })
        : verify(phc, password)

    return { hash, verify, verifyOrBurn }
  })
}) {
  /** `Passwords` at `cost` (OWASP's by default), e.g. `Passwords.layerWith({ memoryCost: 1024, timeCost: 1 })` in tests. */
  static readonly layerWith = (cost: PasswordCost = owaspPasswordCost): Layer.Layer<Passwords> =>
    Passwords.Default.pipe(Layer.provide(Layer.succeed(PasswordCostConfig, cost)))
}
