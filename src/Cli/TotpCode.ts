/**
 * HOTP (RFC 4226) and TOTP (RFC 6238) codes computed the way `oathtool --totp -b` computes them,
 * with `node:crypto` HMACs. The CLI uses this instead of `../Totp.ts` because otplib refuses keys
 * shorter than 16 or longer than 64 bytes, while oathtool (and the KriptoAPI docs' example secret
 * `JBSWY3DPEHPK3PXP`, 10 bytes) accept any length.
 *
 * Base32 follows liboath's `oath_base32_decode`: spaces are dropped, ASCII letters upper-cased,
 * missing `=` padding added only where RFC 4648 allows it (8-character groups ending after 2, 4, 5
 * or 7 characters), then strict RFC 4648 decoding; anything else is refused.
 */
import { createHmac } from "node:crypto"
import { Either } from "effect"
import { CliError } from "./CliError.js"

/** The HMAC hash of a TOTP key (`oathtool --totp=sha1|sha256|sha512`). */
export type TotpCodeAlgorithm = "sha1" | "sha256" | "sha512"

/** The digit counts oathtool supports ("only digits 6, 7 and 8 are supported"). */
export const TOTP_CODE_DIGITS = [6, 7, 8] as const

/** Code length: 6, 7 or 8. */
export type TotpCodeDigits = typeof TOTP_CODE_DIGITS[number]

/** The longest time step: oathtool keeps the step size in an unsigned 32-bit integer. */
export const MAX_TOTP_PERIOD = 4_294_967_295

/** What a TOTP code is computed from; time is whole Unix seconds (`bigint`, so no precision is lost). */
export interface TotpCodeInput {
  readonly key: Uint8Array
  readonly epochSeconds: bigint
  readonly digits: TotpCodeDigits
  readonly period: number
  readonly algorithm: TotpCodeAlgorithm
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
const VALUES: ReadonlyMap<string, number> = new Map(Array.from(ALPHABET, (c, i) => [c, i] as const))

/** Padding liboath appends for each `length % 8` (1, 3 and 6 cannot end a base32 group). */
const PADDING: ReadonlyArray<number> = [0, 0, 6, 0, 4, 3, 0, 1]

/** Data characters allowed before the `=` padding of a final group. */
const VALID_GROUP_LENGTHS: ReadonlySet<number> = new Set([2, 4, 5, 7, 8])

const invalidBase32 = () => new CliError({ message: "the secret is not valid base32" })

/**
 * Decodes one 8-character group (RFC 4648 §6) — `n` data characters then `8 - n` `=` — appending
 * its `floor(5n / 8)` bytes to `out`; `false` when the group is malformed. A padded group may be
 * followed by more groups: gnulib's decoder, which oathtool uses, accepts that, so this does too.
 */
const decodeGroup = (group: string, out: Array<number>): boolean => {
  let data = 0
  while (data < 8 && group[data] !== "=") data++
  if (!VALID_GROUP_LENGTHS.has(data)) return false
  for (let i = data; i < 8; i++) if (group[i] !== "=") return false
  let buffer = 0
  let bits = 0
  for (let i = 0; i < data; i++) {
    const value = VALUES.get(group[i]!)
    if (value === undefined) return false
    buffer = ((buffer << 5) | value) & 0xffff
    bits += 5
    if (bits >= 8) {
      bits -= 8
      out.push((buffer >> bits) & 0xff)
    }
  }
  return true
}

/**
 * The key bytes of a base32 secret, decoded as `oathtool -b` decodes it. A secret that is empty
 * once spaces are removed is refused (oathtool would use an empty HMAC key).
 */
export const decodeBase32Secret = (secret: string): Either.Either<Uint8Array, CliError> => {
  let text = ""
  for (const c of secret) {
    if (c === " ") continue
    text += c >= "a" && c <= "z" ? c.toUpperCase() : c
  }
  if (text.length === 0) return Either.left(new CliError({ message: "the secret is empty" }))
  text += "=".repeat(PADDING[text.length % 8]!)
  if (text.length % 8 !== 0) return Either.left(invalidBase32())
  const out: Array<number> = []
  for (let i = 0; i < text.length; i += 8) {
    if (!decodeGroup(text.slice(i, i + 8), out)) return Either.left(invalidBase32())
  }
  return Either.right(Uint8Array.from(out))
}

/** The RFC 4226 HOTP value of `key` at `counter` (an unsigned 64-bit moving factor). */
export const hotpCode = (key: Uint8Array, counter: bigint, digits: TotpCodeDigits, algorithm: TotpCodeAlgorithm): string => {
  const message = Buffer.alloc(8)
  message.writeBigUInt64BE(BigInt.asUintN(64, counter))
  const mac = createHmac(algorithm, key).update(message).digest()
  // Dynamic truncation (RFC 4226 §5.3): the low nibble of the last byte picks 4 bytes, top bit cleared.
  const offset = mac[mac.length - 1]! & 0x0f
  const binary = ((mac[offset]! & 0x7f) << 24) | (mac[offset + 1]! << 16) | (mac[offset + 2]! << 8) | mac[offset + 3]!
  return String(binary % 10 ** digits).padStart(digits, "0")
}

/** The RFC 6238 TOTP code: HOTP at `floor(epochSeconds / period)` (T0 = 0, as oathtool's default). */
export const totpCode = (input: TotpCodeInput): string =>
  hotpCode(input.key, input.epochSeconds / BigInt(input.period), input.digits, input.algorithm)
