/**
 * The master secret (`RAMPART_SECRET_KEY`, 32 bytes) and the purpose keys derived from it with
 * HKDF-SHA256, so one key never serves two purposes (sealing secrets, keying HMACs).
 */
import { Context, Data, Effect, Redacted } from "effect"
import { hkdfSync, randomBytes } from "node:crypto"

/** The 32-byte master secret. */
export class MasterKey extends Context.Tag("Rampart/MasterKey")<MasterKey, Redacted.Redacted<Uint8Array>>() {}

/** The master key is missing or malformed. */
export class MasterKeyError extends Data.TaggedError("MasterKeyError")<{ readonly message: string }> {}

/** A new random master key, base64. */
export const generateMasterKeyBase64 = (): string => randomBytes(32).toString("base64")

/** Decodes a base64 master key; it must be exactly 32 bytes. */
export const masterKeyFromBase64 = (
  base64: Redacted.Redacted<string>
): Effect.Effect<Redacted.Redacted<Uint8Array>, MasterKeyError> => {
  const text = Redacted.value(base64).trim()
  const bytes = Buffer.from(text, "base64")
  return /^[A-Za-z0-9+/]+={0,2}$/.test(text) && bytes.length === 32
    ? Effect.succeed(Redacted.make(new Uint8Array(bytes)))
    : Effect.fail(new MasterKeyError({ message: "RAMPART_SECRET_KEY must be 32 bytes encoded in base64" }))
}

/** A 32-byte key for one purpose, derived from the master key (HKDF-SHA256, info = `purpose`). */
export const deriveKey = (master: Redacted.Redacted<Uint8Array>, purpose: string): Buffer =>
  Buffer.from(hkdfSync("sha256", Redacted.value(master), Buffer.alloc(0), `rampart/${purpose}`, 32))
