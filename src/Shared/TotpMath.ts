/**
 * RFC 6238 / RFC 4226 arithmetic over otplib 13, with no Effect: base32 secrets read as
 * `oathtool --totp -b` reads them, codes at a given time, verification with a ±1 step window and
 * the RFC 6238 §5.2 replay rule, `otpauth://` key URIs, and the step arithmetic. Written once for
 * both editions (`src/Shared/`); each edition's `Totp` service adds time from its `Clock` and
 * turns the outcomes into its own typed errors (`TotpFormatError`, `InvalidOtp`).
 *
 * Secrets are read as liboath's `oath_base32_decode`: spaces dropped, letters upper-cased, `=`
 * padding optional, any key length — otplib's guardrails (16..64 bytes, periods up to an hour) are
 * widened so that a common 80-bit secret such as `JBSWY3DPEHPK3PXP` works.
 *
 * The hot path (`totpVerifyAt`) stays synchronous: otplib's `verifySync` with the secret already
 * decoded to bytes and a `node:crypto` HMAC plugin (faster than otplib's default pure-JS one).
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto"
import type { CryptoPlugin, OTPVerifyFunctionalOptions } from "otplib"
import { createGuardrails, generateSync, ScureBase32Plugin, verifySync } from "otplib"

/** The HMAC hash of a TOTP secret (RFC 6238 allows SHA-1, SHA-256 and SHA-512). */
export type TotpAlgorithm = "sha1" | "sha256" | "sha512"

/** TOTP parameters; the defaults (6 digits, 30 s, SHA-1) are what authenticator apps expect. */
export interface TotpOptions {
  readonly digits?: 6 | 7 | 8 | undefined
  readonly period?: number | undefined
  readonly algorithm?: TotpAlgorithm | undefined
}

/** The outcome of a TOTP computation: a value, a malformed input (`Format`, with its message) or a code that does not verify (`Invalid`). */
export type TotpOutcome<A> =
  | { readonly _tag: "Ok"; readonly value: A }
  | { readonly _tag: "Format"; readonly message: string }
  | { readonly _tag: "Invalid" }

/** The message of a TOTP code that does not verify or was already used. */
export const INVALID_TOTP_MESSAGE = "The TOTP code is not valid or was already used"

const DEFAULT_DIGITS = 6
const DEFAULT_PERIOD = 30
const DEFAULT_ALGORITHM: TotpAlgorithm = "sha1"
const SECRET_BYTES = 20
const DEFAULT_ISSUER = "Rampart"

/** The period of the codes authenticator apps (and Rampart's secrets) use, in seconds. */
export const TOTP_PERIOD_SECONDS = DEFAULT_PERIOD

/** The longest time step, in seconds: oathtool keeps the step size in an unsigned 32-bit integer. */
export const MAX_TOTP_PERIOD = 4_294_967_295

/** The longest key accepted, in bytes (oathtool has no limit; this only bounds the work per code). */
const MAX_SECRET_BYTES = 64 * 1024

/** Milliseconds from `nowMillis` until the time step after `step` begins (at least 1). */
export const millisUntilStepAfter = (step: number, nowMillis: number, period: number = DEFAULT_PERIOD): number =>
  Math.max(1, (step + 1) * period * 1000 - nowMillis)

/** Whole seconds of a millisecond time (the epoch TOTP counts from). */
export const epochSecondsOf = (millis: number): number => Math.floor(millis / 1000)

/** The time step at `nowMillis` for `period` (default 30 s), or `undefined` when the period is not a whole number ≥ 1. */
export const totpStepAt = (nowMillis: number, period: number = DEFAULT_PERIOD): number | undefined =>
  Number.isSafeInteger(period) && period >= 1 ? Math.floor(epochSecondsOf(nowMillis) / period) : undefined

const base32 = new ScureBase32Plugin()

/** otplib's limits widened to what oathtool accepts: any key length, steps up to 2^32 - 1 s. */
const guardrails = createGuardrails({ MIN_SECRET_BYTES: 1, MAX_SECRET_BYTES, MAX_PERIOD: MAX_TOTP_PERIOD })

/** Compares two codes in a time that does not depend on where they differ. */
const constantTimeEqual = (a: string | Uint8Array, b: string | Uint8Array): boolean => {
  if (typeof a === "string" && typeof b === "string") {
    if (a.length !== b.length) return false
    let diff = 0
    for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i)
    return diff === 0
  }
  const x = typeof a === "string" ? Buffer.from(a) : a
  const y = typeof b === "string" ? Buffer.from(b) : b
  return x.length === y.length && timingSafeEqual(x, y)
}

// No `algorithms` list: otplib then validates the name against its constant list without
// allocating a filtered copy on every HMAC.
const nodeCrypto: CryptoPlugin = {
  name: "node:crypto",
  hmac: (algorithm, key, data) => createHmac(algorithm, key).update(data).digest(),
  randomBytes: (length) => randomBytes(length),
  constantTimeEqual
}

/**
 * Builds an expected-failure error without a stack trace: capturing one was a quarter of the cost
 * of a refused `verify`, and the `_tag` and the caller's span already say where it came from.
 */
export const withoutStack = <A>(make: () => A): A => {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    return make()
  } finally {
    Error.stackTraceLimit = limit
  }
}

const ok = <A>(value: A): TotpOutcome<A> => ({ _tag: "Ok", value })
const format = (message: string): { readonly _tag: "Format"; readonly message: string } => ({ _tag: "Format", message })
const invalid: { readonly _tag: "Invalid" } = { _tag: "Invalid" }

const BASE32_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

/** The value of each base32 character code (upper case), or -1. */
const BASE32_VALUES: Int8Array = (() => {
  const values = new Int8Array(128).fill(-1)
  for (let i = 0; i < BASE32_ALPHABET.length; i++) values[BASE32_ALPHABET.charCodeAt(i)] = i
  return values
})()

/** Padding liboath appends for each `length % 8` (1, 3 and 6 data characters cannot end a group). */
const BASE32_PADDING: ReadonlyArray<number> = [0, 0, 6, 0, 4, 3, 0, 1]

/** Data characters a final group may hold before its `=` padding. */
const BASE32_GROUP_LENGTHS: ReadonlySet<number> = new Set([2, 4, 5, 7, 8])

const invalidBase32 = () => format("The TOTP secret is not valid base32")

/**
 * Decodes one 8-character group (RFC 4648 §6) — `n` data characters then `8 - n` `=` — appending
 * its `floor(5n / 8)` bytes to `out`; `false` when malformed. A padded group may be followed by
 * more groups: gnulib's decoder, which oathtool uses, accepts that, so this does too.
 */
const decodeGroup = (text: string, at: number, out: Array<number>): boolean => {
  let data = 0
  while (data < 8 && text.charCodeAt(at + data) !== 61) data++
  if (!BASE32_GROUP_LENGTHS.has(data)) return false
  for (let i = data; i < 8; i++) if (text.charCodeAt(at + i) !== 61) return false
  let buffer = 0
  let bits = 0
  for (let i = 0; i < data; i++) {
    const c = text.charCodeAt(at + i)
    const value = c < 128 ? BASE32_VALUES[c]! : -1
    if (value < 0) return false
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
 * The key bytes of a base32 secret, decoded as `oathtool -b` decodes it: spaces dropped, ASCII
 * letters upper-cased, missing `=` padding added where RFC 4648 allows it, then strict decoding.
 * A secret that is empty once spaces are removed is refused (oathtool would use an empty key).
 */
export const decodeBase32Secret = (raw: string): TotpOutcome<Uint8Array> => {
  let text = ""
  for (const c of raw) {
    if (c === " ") continue
    text += c >= "a" && c <= "z" ? c.toUpperCase() : c
  }
  if (text.length === 0) return format("The TOTP secret is empty")
  text += "=".repeat(BASE32_PADDING[text.length % 8]!)
  if (text.length % 8 !== 0) return invalidBase32()
  const out: Array<number> = []
  for (let i = 0; i < text.length; i += 8) if (!decodeGroup(text, i, out)) return invalidBase32()
  if (out.length > MAX_SECRET_BYTES) return format(`The TOTP secret is longer than ${MAX_SECRET_BYTES} bytes`)
  return ok(Uint8Array.from(out))
}

/** Why `options` cannot be used, or `undefined` when they can. */
const checkOptions = (options: TotpOptions | undefined): TotpOutcome<never> | undefined => {
  if (options === undefined) return undefined
  const { algorithm, digits, period } = options
  if (digits !== undefined && digits !== 6 && digits !== 7 && digits !== 8) {
    return format("TOTP digits must be 6, 7 or 8")
  }
  if (period !== undefined && !(Number.isSafeInteger(period) && period >= 1 && period <= MAX_TOTP_PERIOD)) {
    return format(`The TOTP period must be a whole number of seconds between 1 and ${MAX_TOTP_PERIOD}`)
  }
  if (algorithm !== undefined && algorithm !== "sha1" && algorithm !== "sha256" && algorithm !== "sha512") {
    return format("The TOTP algorithm must be sha1, sha256 or sha512")
  }
  return undefined
}

const isDigits = (code: string): boolean => {
  for (let i = 0; i < code.length; i++) {
    const c = code.charCodeAt(i)
    if (c < 48 || c > 57) return false
  }
  return true
}

const errorMessage = (error: unknown): string => error instanceof Error ? error.message : String(error)

/** The code of a base32 secret at a Unix time in seconds; pure and synchronous. */
export const totpCodeAt = (secret: string, epochSeconds: number, options?: TotpOptions): TotpOutcome<string> => {
  const bad = checkOptions(options)
  if (bad !== undefined) return bad
  const key = decodeBase32Secret(secret)
  if (key._tag !== "Ok") return key
  try {
    return ok(generateSync({
      secret: key.value,
      epoch: epochSeconds,
      digits: options?.digits ?? DEFAULT_DIGITS,
      period: options?.period ?? DEFAULT_PERIOD,
      algorithm: options?.algorithm ?? DEFAULT_ALGORITHM,
      crypto: nodeCrypto,
      guardrails
    }))
  } catch (error) {
    return format(errorMessage(error))
  }
}

/** A code to check against a (revealed) secret, refusing steps at or before `afterStep`. */
export interface TotpCheck {
  readonly secret: string
  readonly code: string
  readonly afterStep?: number | null | undefined
  readonly options?: TotpOptions | undefined
}

/** Verifies at a Unix time (seconds): steps S-1..S+1 only, none at or before `afterStep`; the matched step. */
export const totpVerifyAt = (input: TotpCheck, epochSeconds: number): TotpOutcome<number> => {
  const options = input.options
  const bad = checkOptions(options)
  if (bad !== undefined) return bad
  const digits = options?.digits ?? DEFAULT_DIGITS
  const period = options?.period ?? DEFAULT_PERIOD
  const code = input.code
  if (code.length !== digits || !isDigits(code)) return format(`The TOTP code must be ${digits} digits`)
  const key = decodeBase32Secret(input.secret)
  if (key._tag !== "Ok") return key
  const afterStep = input.afterStep
  const step = Math.floor(epochSeconds / period)
  // otplib throws when afterTimeStep exceeds the window's last step; nothing can match then anyway.
  if (afterStep != null && afterStep >= step + 1) return invalid
  const verifyOptions: OTPVerifyFunctionalOptions = {
    secret: key.value,
    token: code,
    epoch: epochSeconds,
    // A tolerance of one period in each direction is exactly the steps S-1..S+1.
    epochTolerance: period,
    digits,
    period,
    algorithm: options?.algorithm ?? DEFAULT_ALGORITHM,
    crypto: nodeCrypto,
    guardrails
  }
  // A negative or NaN afterStep excludes nothing; a fractional one excludes the steps below it.
  if (afterStep != null && afterStep >= 0) verifyOptions.afterTimeStep = Math.floor(afterStep)
  try {
    const result = verifySync(verifyOptions)
    return result.valid && "timeStep" in result ? ok(result.timeStep) : invalid
  } catch (error) {
    return format(errorMessage(error))
  }
}

/** A fresh secret: 20 random bytes from `node:crypto`, base32 (RFC 4648) without padding. */
export const generateTotpSecretText = (): string => base32.encode(randomBytes(SECRET_BYTES), { padding: false })

/** What `totpKeyUriOf` needs: the (revealed) secret, the account, the issuer (default `Rampart`) and options. */
export interface TotpKeyUriFields {
  readonly secret: string
  readonly account: string
  readonly issuer?: string | undefined
  readonly options?: TotpOptions | undefined
}

/** The `otpauth://totp/Issuer:account?...` URI that authenticator apps scan. */
export const totpKeyUriOf = (input: TotpKeyUriFields): string => {
  const issuer = input.issuer ?? DEFAULT_ISSUER
  const options = input.options
  const algorithm = (options?.algorithm ?? DEFAULT_ALGORITHM).toUpperCase()
  const digits = options?.digits ?? DEFAULT_DIGITS
  const period = options?.period ?? DEFAULT_PERIOD
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(input.account)}`
  return `otpauth://totp/${label}?secret=${encodeURIComponent(input.secret)}` +
    `&issuer=${encodeURIComponent(issuer)}&algorithm=${algorithm}&digits=${digits}&period=${period}`
}
