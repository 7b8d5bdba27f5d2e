/**
 * Secrets at rest: AES-256-GCM with a random 96-bit IV, the ciphertext bound to its row by
 * additional data, encoded as `v1.<iv>.<ciphertext>.<tag>` (base64url).
 */
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto"
import { deriveKey, MasterKey } from "./MasterKey.js"

/** A sealed value that does not open: malformed, tampered, moved to another row, or sealed under another key. */
export class SecretBoxError extends Schema.TaggedError<SecretBoxError>()("SecretBoxError", {
  message: Schema.String
}) {}

const version = "v1"
const ivBytes = 12
const tagBytes = 16

/** Decodes one base64url part, refusing non-canonical spellings (Node's decoder skips stray characters). */
const decodePart = (part: string): Buffer | undefined => {
  const bytes = Buffer.from(part, "base64url")
  return bytes.toString("base64url") === part ? bytes : undefined
}

/** Seals and opens secrets with a key derived from the master key. */
export class SecretBox extends Effect.Service<SecretBox>()("Rampart/Crypto/SecretBox", {
  effect: Effect.map(MasterKey, (master) => {
    const key = deriveKey(master, "secret-box")
    const refused = (reason: string) => new SecretBoxError({ message: `sealed value does not open: ${reason}` })

    /** Encrypts `plaintext` under a fresh IV, binding it to `aad` (e.g. the owning row's id). */
    const seal = (plaintext: string | Redacted.Redacted<string>, aad: string): Effect.Effect<string> =>
      Effect.sync(() => {
        const iv = randomBytes(ivBytes)
        const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: tagBytes })
        cipher.setAAD(Buffer.from(aad, "utf8"))
        const text = typeof plaintext === "string" ? plaintext : Redacted.value(plaintext)
        const ciphertext = Buffer.concat([cipher.update(text, "utf8"), cipher.final()])
        return [version, ...[iv, ciphertext, cipher.getAuthTag()].map((part) => part.toString("base64url"))].join(".")
      })

    /** Decrypts a value sealed for `aad`; `SecretBoxError` if it is malformed or does not authenticate. */
    const open = (sealed: string, aad: string): Effect.Effect<Redacted.Redacted<string>, SecretBoxError> =>
      Effect.suspend(() => {
        const parts = sealed.split(".")
        if (parts.length !== 4 || parts[0] !== version) return Effect.fail(refused("unknown format"))
        const [iv, ciphertext, tag] = parts.slice(1).map(decodePart)
        if (iv === undefined || ciphertext === undefined || tag === undefined) {
          return Effect.fail(refused("bad encoding"))
        }
        if (iv.length !== ivBytes || tag.length !== tagBytes) return Effect.fail(refused("bad lengths"))
        try {
          const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: tagBytes })
          decipher.setAAD(Buffer.from(aad, "utf8"))
          decipher.setAuthTag(tag)
          const plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString("utf8")
          return Effect.succeed(Redacted.make(plaintext))
        } catch {
          return Effect.fail(refused("authentication failed"))
        }
      })

    return { seal, open }
  })
}) {}
