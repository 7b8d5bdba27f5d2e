/**
 * Secrets at rest: AES-256-GCM with a random 96-bit IV, the ciphertext bound to its row by
 * additional data, encoded as `v1.<iv>.<ciphertext>.<tag>` (base64url).
 */
import { Effect, Redacted, Schema } from "effect"
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto"
import { deriveKey, MasterKey } from "./MasterKey.js"

/** A sealed value that does not open: tampered, moved to another row, or sealed under another key. */
export class SecretBoxError extends Schema.TaggedError<SecretBoxError>()("SecretBoxError", {
  message: Schema.String
}) {}

/** Seals and opens secrets with a key derived from the master key. */
export class SecretBox extends Effect.Service<SecretBox>()("Rampart/Crypto/SecretBox", {
  effect: Effect.map(MasterKey, (master) => {
    const key = deriveKey(master, "secret-box")
    const refused = () => new SecretBoxError({ message: "sealed value does not open" })

    /** Encrypts `plaintext`, binding it to `aad`. */
    const seal = (plaintext: string | Redacted.Redacted<string>, aad: string) =>
      Effect.sync(() => {
        const iv = randomBytes(12)
        const cipher = createCipheriv("aes-256-gcm", key, iv)
        cipher.setAAD(Buffer.from(aad, "utf8"))
        const text = typeof plaintext === "string" ? plaintext : Redacted.value(plaintext)
        const ciphertext = Buffer.concat([cipher.update(text, "utf8"), cipher.final()])
        return ["v1", iv, ciphertext, cipher.getAuthTag()].map((p) => (typeof p === "string" ? p : p.toString("base64url"))).join(".")
      })

    /** Decrypts a sealed value made for `aad`; `SecretBoxError` if it does not authenticate. */
    const open = (sealed: string, aad: string) =>
      Effect.suspend(() => {
        const parts = sealed.split(".")
        if (parts.length !== 4 || parts[0] !== "v1") return Effect.fail(refused())
        const [iv, ciphertext, tag] = parts.slice(1).map((p) => Buffer.from(p, "base64url")) as [Buffer, Buffer, Buffer]
        if (iv.length !== 12 || tag.length !== 16) return Effect.fail(refused())
        try {
          const decipher = createDecipheriv("aes-256-gcm", key, iv)
          decipher.setAAD(Buffer.from(aad, "utf8"))
          decipher.setAuthTag(tag)
          const plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString("utf8")
          return Effect.succeed(Redacted.make(plaintext))
        } catch {
          return Effect.fail(refused())
        }
      })

    return { seal, open }
  })
}) {}
