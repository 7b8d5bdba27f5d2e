/**
 * The checks of a Rampart idToken, written once for the server (`IdTokens.verify`) and for
 * resource servers (`IdTokenVerifier`): plain TypeScript over `node:crypto`, no Effect, so both
 * editions of the package compile it unchanged (`src/Shared/`).
 *
 * A compact EdDSA (Ed25519) JWS is accepted only when: it is at most 8 KiB and exactly three
 * canonical base64url segments; its header names `alg: "EdDSA"` (the only algorithm), `typ: "JWT"`
 * and a `kid` of a known key, with no `crit`/`b64`; the Ed25519 signature verifies under that key;
 * then `iss` equals the issuer, `aud` (a string or an array) names one of the accepted audiences,
 * `exp` is not past, `iat` and `nbf` not in the future (each with the leeway), `iat` ≤ `exp`, and
 * `sub` (a UUID), `email` and `jti` are present. The checks run synchronously: verifying is one
 * Ed25519 verify (~0.1 ms) and a map lookup, never a thread-pool hop.
 */
import { createPublicKey, type KeyObject, verify } from "node:crypto"

/** What an idToken's payload must carry; `auth_time` and `amr` are filled in for tokens issued before they existed. */
export interface CheckedClaims {
  readonly sub: string
  readonly email: string
  readonly iss: string
  readonly aud: string | ReadonlyArray<string>
  readonly iat: number
  readonly exp: number
  readonly jti: string
  readonly auth_time: number
  readonly amr: ReadonlyArray<string>
}

/** Issuer, accepted audiences and clock skew of the checks. */
export interface ClaimExpectations {
  readonly issuer: string
  /** The token's `aud` must name at least one of these. */
  readonly audiences: ReadonlyArray<string>
  /** Clock skew tolerated on `exp`, `iat` and `nbf`, in seconds. */
  readonly leewaySeconds: number
}

/** The outcome of the checks: the claims, or why the token was refused (`unknown-kid` carries the `kid` the token named). */
export type IdTokenVerdict =
  | {
    readonly _tag: "Valid"
    readonly claims: CheckedClaims
    readonly kid: string
    readonly notBefore?: number | undefined
  }
  | { readonly _tag: "Refused"; readonly reason: string }
  | { readonly _tag: "UnknownKid"; readonly kid: string }

/** Tokens longer than this are refused before any decoding (Rampart's are ~500 bytes). */
export const MAX_ID_TOKEN_LENGTH = 8192

/** An Ed25519 signature is 64 bytes: 86 base64url characters, unpadded. */
const SIGNATURE_LENGTH = 86
const BASE64URL = /^[A-Za-z0-9_-]+$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const utf8 = new TextDecoder("utf-8", { fatal: true })

/** Strict base64url: alphabet only, no padding, and canonical (re-encodes to the same text). */
const decodeSegment = (segment: string): Buffer | undefined => {
  if (!BASE64URL.test(segment)) return undefined
  const bytes = Buffer.from(segment, "base64url")
  return bytes.toString("base64url") === segment ? bytes : undefined
}

/** A segment holding a JSON object; `undefined` for anything else (bad encoding, bad UTF-8, bad JSON, not an object). */
const decodeJsonObject = (segment: string): Record<string, unknown> | undefined => {
  const bytes = decodeSegment(segment)
  if (bytes === undefined) return undefined
  try {
    const value: unknown = JSON.parse(utf8.decode(bytes))
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

const isNumericDate = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value)
const isNonEmptyString = (value: unknown): value is string => typeof value === "string" && value.length > 0
const isStringArray = (value: unknown): value is ReadonlyArray<string> =>
  Array.isArray(value) && value.every((item) => typeof item === "string")

const refused = (reason: string): IdTokenVerdict => ({ _tag: "Refused", reason })

/** The `aud` of a token names one of `audiences`. */
const audienceMatches = (aud: unknown, audiences: ReadonlyArray<string>): aud is string | ReadonlyArray<string> =>
  typeof aud === "string"
    ? audiences.includes(aud)
    : isStringArray(aud) && aud.some((item) => audiences.includes(item))

/**
 * Every check of a Rampart idToken at `nowSeconds`, with the public key `keyFor(kid)` returns for
 * the token's `kid` (`UnknownKid` when it returns none, so a verifier may refetch its keys).
 */
export const checkIdToken = (
  token: string,
  keyFor: (kid: string) => KeyObject | undefined,
  expected: ClaimExpectations,
  nowSeconds: number
): IdTokenVerdict => {
  if (typeof token !== "string" || token.length === 0 || token.length > MAX_ID_TOKEN_LENGTH) return refused("length")
  const parts = token.split(".")
  if (parts.length !== 3) return refused("not three segments")
  const [encodedHeader, encodedPayload, encodedSignature] = parts as [string, string, string]
  const header = decodeJsonObject(encodedHeader)
  if (header === undefined) return refused("header")
  if (header["alg"] !== "EdDSA") return refused("alg")
  if (header["typ"] !== "JWT") return refused("typ")
  if ("crit" in header || "b64" in header) return refused("crit")
  const kid = header["kid"]
  if (!isNonEmptyString(kid) || kid.length > 256) return refused("kid")
  if (encodedSignature.length !== SIGNATURE_LENGTH) return refused("signature length")
  const signature = decodeSegment(encodedSignature)
  if (signature === undefined || signature.length !== 64) return refused("signature encoding")
  const publicKey = keyFor(kid)
  if (publicKey === undefined) return { _tag: "UnknownKid", kid }
  const signingInput = Buffer.from(`${encodedHeader}.${encodedPayload}`, "ascii")
  if (!verify(null, signingInput, publicKey, signature)) return refused("signature")
  const claims = decodeJsonObject(encodedPayload)
  if (claims === undefined) return refused("payload")
  const { amr, aud, auth_time, email, exp, iat, iss, jti, nbf, sub } = claims
  if (iss !== expected.issuer) return refused("iss")
  if (!audienceMatches(aud, expected.audiences)) return refused("aud")
  if (!isNumericDate(exp) || !isNumericDate(iat)) return refused("exp/iat")
  if (exp <= nowSeconds - expected.leewaySeconds) return refused("expired")
  if (iat > nowSeconds + expected.leewaySeconds || iat > exp) return refused("iat")
  if (nbf !== undefined && (!isNumericDate(nbf) || nbf > nowSeconds + expected.leewaySeconds)) return refused("nbf")
  if (auth_time !== undefined && (!isNumericDate(auth_time) || auth_time > iat)) return refused("auth_time")
  if (amr !== undefined && !isStringArray(amr)) return refused("amr")
  if (!isNonEmptyString(sub) || !UUID.test(sub) || typeof email !== "string" || !isNonEmptyString(jti)) {
    return refused("sub/email/jti")
  }
  return {
    _tag: "Valid",
    kid,
    notBefore: nbf,
    claims: { sub, email, iss, aud, iat, exp, jti, auth_time: auth_time ?? iat, amr: amr ?? ["pwd"] }
  }
}

/** A token that passed every check, and the key that verified its signature. */
interface VerifiedEntry {
  readonly verdict: Extract<IdTokenVerdict, { readonly _tag: "Valid" }>
  readonly key: KeyObject
}

/**
 * `checkIdToken` with a bounded memory of tokens that passed: the same token again (byte for byte)
 * skips the signature verify (~70 µs, most of the cost) but not the checks that can change since —
 * its key must still be the one `keyFor(kid)` returns (a rotation that drops it, or a refetch,
 * forgets it) and `exp`, `iat` and `nbf` are checked again at `nowSeconds`. Only valid tokens are
 * remembered, at most `capacity` (the oldest is forgotten first), so forged tokens cannot fill it.
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, VerifiedEntry>()

  constructor(readonly capacity: number = 4096) {}

  /** The verdict of `checkIdToken`, from memory when this token passed before and still holds. */
  check(
    token: string,
    keyFor: (kid: string) => KeyObject | undefined,
    expected: ClaimExpectations,
    nowSeconds: number
  ): IdTokenVerdict {
    const hit = this.entries.get(token)
    if (hit !== undefined) {
      const { claims, kid, notBefore } = hit.verdict
      const leeway = expected.leewaySeconds
      if (
        keyFor(kid) === hit.key && claims.exp > nowSeconds - leeway && claims.iat <= nowSeconds + leeway &&
        (notBefore === undefined || notBefore <= nowSeconds + leeway)
      ) return hit.verdict
      this.entries.delete(token)
    }
    const verdict = checkIdToken(token, keyFor, expected, nowSeconds)
    if (verdict._tag === "Valid") {
      const key = keyFor(verdict.kid)!
      if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!)
      this.entries.set(token, { verdict, key })
    }
    return verdict
  }
}

/** An Ed25519 public key as a JWKS publishes it (RFC 8037). */
export interface Ed25519Jwk {
  readonly kty: "OKP"
  readonly crv: "Ed25519"
  /** base64url of the 32-byte public key. */
  readonly x: string
  readonly kid: string
}

/**
 * The Ed25519 signature keys of a JWKS document by `kid`: keys of other types, other uses or other
 * algorithms, without a `kid`, or that do not parse are left out (at most `limit` keys are read).
 */
export const ed25519KeysOf = (jwks: unknown, limit = 100): Map<string, KeyObject> => {
  const keys = new Map<string, KeyObject>()
  const list = typeof jwks === "object" && jwks !== null ? (jwks as { readonly keys?: unknown }).keys : undefined
  if (!Array.isArray(list)) return keys
  for (const jwk of list.slice(0, limit)) {
    if (typeof jwk !== "object" || jwk === null) continue
    const { alg, crv, kid, kty, use, x } = jwk as Record<string, unknown>
    if (kty !== "OKP" || crv !== "Ed25519" || typeof x !== "string" || !isNonEmptyString(kid)) continue
    if ((alg !== undefined && alg !== "EdDSA") || (use !== undefined && use !== "sig")) continue
    try {
      keys.set(kid, createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x }, format: "jwk" }))
    } catch {
      // Not an Ed25519 public key: left out, like any other unusable entry.
    }
  }
  return keys
}
