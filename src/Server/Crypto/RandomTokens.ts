/**
 * Randomness from the operating system's CSPRNG, behind a service so tests can replace it
 * (`Layer.succeed(RandomTokens, RandomTokens.make({ ... }))`): opaque tokens (32 bytes,
 * base64url) and 6-digit one-time codes.
 */
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { randomBytes, randomInt } from "node:crypto"

/** Opaque tokens, one-time codes and raw random bytes. */
export class RandomTokens extends Effect.Service<RandomTokens>()("Rampart/Crypto/RandomTokens", {
  succeed: {
    /** 32 random bytes, base64url (43 characters). */
    token: (): Effect.Effect<Redacted.Redacted<string>> =>
      Effect.sync(() => Redacted.make(randomBytes(32).toString("base64url"))),
    /** 6 decimal digits, uniform over 000000..999999 (randomInt rejects modulo bias). */
    otpCode: (): Effect.Effect<string> => Effect.sync(() => randomInt(0, 1_000_000).toString().padStart(6, "0")),
    /** `n` random bytes. */
    bytes: (n: number): Effect.Effect<Uint8Array> => Effect.sync(() => new Uint8Array(randomBytes(n)))
  }
}) {}
