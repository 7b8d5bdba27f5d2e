/**
 * Keyed hashes of codes and tokens (HMAC-SHA256 under a key derived from the master key): what the
 * store keeps instead of OTP codes, refresh tokens, access tokens and client secrets.
 */
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { createHmac, timingSafeEqual } from "node:crypto"
import { deriveKey, MasterKey } from "./MasterKey.js"

/** What a digest is of: one label per kind of stored secret, so a code's digest never equals a token's. */
export type HmacPurpose = "otp-code" | "refresh-token" | "partner-access-token" | "client-secret"

/** HMAC digests with purpose separation and constant-time comparison. */
export class Hmac extends Effect.Service<Hmac>()("Rampart/Crypto/Hmac", {
  effect: Effect.map(MasterKey, (master) => {
    const key = deriveKey(master, "hmac")

    /** base64url HMAC of `purpose` ‖ 0x00 ‖ `value`: a code's digest never equals a token's. */
    const digest = (purpose: HmacPurpose, value: string | Redacted.Redacted<string>): string => {
      return createHmac("sha256", key)
        .update(purpose, "utf8")
        .update(Buffer.of(0))
        .update(typeof value === "string" ? value : Redacted.value(value), "utf8")
        .digest("base64url")
    }

    /** Constant-time equality of two digests (false when their lengths differ). */
    const equals = (a: string, b: string): boolean => {
      const x = Buffer.from(a, "utf8")
      const y = Buffer.from(b, "utf8")
      return x.length === y.length && timingSafeEqual(x, y)
    }

    return { digest, equals }
  })
}) {}
