/**
 * The master secret (`RAMPART_SECRET_KEY`, 32 bytes) and the purpose keys derived from it with
 * HKDF-SHA256, so one key never serves two purposes (sealing secrets, keying HMACs).
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { hkdfSync, randomBytes } from "node:crypto"

/** The master key's length in bytes. */
export const masterKeyBytes = 32

/** The master key is missing or malformed; the message names `RAMPART_SECRET_KEY`. */
export class MasterKeyError extends Data.TaggedError("MasterKeyError")<{ readonly message: string }> {}

/** The 32-byte master secret, provided by the server from `RAMPART_SECRET_KEY`. */
export class MasterKey extends Context.Tag("Rampart/MasterKey")<MasterKey, Redacted.Redacted<Uint8Array>>() {
  /** `MasterKey` from a base64 secret; fails with `MasterKeyError` unless it is 32 bytes. */
  static readonly layerFromBase64 = (base64: Redacted.Redacted<string>): Layer.Layer<MasterKey, MasterKeyError> =>
    Layer.effect(MasterKey, masterKeyFromBase64(base64))
}

/** A new random master key, base64 (a value for `RAMPART_SECRET_KEY`). */
export const generateMasterKeyBase64 = (): string => randomBytes(masterKeyBytes).toString("base64")

// Standard base64, padding optional; anything else (whitespace inside, base64url) is refused
// rather than silently decoded to different bytes.
const base64Pattern = /^[A-Za-z0-9+/]+={0,2}$/

/** Decodes a base64 master key; it must be exactly 32 bytes. */
export const masterKeyFromBase64 = (
  base64: Redacted.Redacted<string>
): Effect.Effect<Redacted.Redacted<Uint8Array>, MasterKeyError> =>
  Effect.suspend(() => {
    const text = Redacted.value(base64).trim()
    if (!base64Pattern.test(text)) {
      return Effect.fail(
        new MasterKeyError({ message: "RAMPART_SECRET_KEY must be 32 bytes encoded in base64 (it is not base64)" })
      )
    }
    const bytes = Buffer.from(text, "base64")
    return bytes.length === masterKeyBytes
      ? Effect.succeed(Redacted.make(new Uint8Array(bytes)))
      : Effect.fail(
        new MasterKeyError({
          message: `RAMPART_SECRET_KEY must be 32 bytes encoded in base64 (it decodes to ${bytes.length} bytes)`
        })
      )
  })

/** What a derived key is for; each purpose gets its own HKDF `info` label (`rampart/<purpose>`). */
export type KeyPurpose = "secret-box" | "hmac"

/** A 32-byte key for one purpose, derived from the master key (HKDF-SHA256, info `rampart/<purpose>`). */
export const deriveKey = (master: Redacted.Redacted<Uint8Array>, purpose: KeyPurpose): Buffer =>
  Buffer.from(hkdfSync("sha256", Redacted.value(master), Buffer.alloc(0), `rampart/${purpose}`, 32))
