/**
 * Criptan idTokens: compact JWS (EdDSA / Ed25519) with `iss`, `aud`, `sub`, `email`, `iat`, `exp`,
 * `jti`, signed and verified synchronously with `node:crypto`.
 *
 * Why not `jose` at run time: its WebCrypto sign/verify run on libuv's 4-thread pool, shared with
 * Argon2 password hashing, so under login load every authenticated request would queue behind the
 * hashes (measured: verify 0.24 ms → 1.6 ms with 3 hashes in flight, → 20 ms with 4; the sync path
 * stays at 0.15–0.24 ms). The checks jose would make are therefore made here, strictly: exactly three
 * canonical base64url segments, `alg` allow-list (EdDSA only), `typ: "JWT"`, matching `kid`, no
 * `crit`, signature, then `iss`, `aud`, `exp` (with leeway), `iat`/`nbf` not in the future.
 * The tests check these decisions against `jose.jwtVerify` as an independent oracle.
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { createPublicKey, type KeyObject, randomUUID, sign, verify } from "node:crypto"
import { AuthError } from "../../Domain/Errors.js"
import { Limits } from "../../Domain/Policy.js"
import { traced } from "../../internal/Spans.js"
import { type Ed25519PublicJwk, SigningKey } from "./SigningKey.js"

/** Issuer, audience and timing of idTokens. */
export interface IdTokenSettingsValue {
  readonly issuer: string
  readonly audience: string
  /** Token lifetime; 3600 in the Criptan contract. */
  readonly lifetimeSeconds: number
  /** Clock skew tolerated on `exp`, `iat` and `nbf`; 30 by default. */
  readonly leewaySeconds: number
}

/** Issuer, audience and timing of idTokens, provided by the server configuration. */
export class IdTokenSettings extends Context.Tag("Rampart/Crypto/IdTokenSettings")<
  IdTokenSettings,
  IdTokenSettingsValue
>() {}

/** The defaults: issuer and audience "rampart", the SPEC's lifetime (`Limits.idTokenTtlSeconds`, 3600 s), 30 s leeway. */
export const defaultIdTokenSettings: IdTokenSettingsValue = {
  issuer: "rampart",
  audience: "rampart",
  lifetimeSeconds: Limits.idTokenTtlSeconds,
  leewaySeconds: 30
}

/** `IdTokenSettings` from the defaults, with optional overrides (tests, embedding). */
export const layerDefaultIdTokenSettings = (
  overrides: Partial<IdTokenSettingsValue> = {}
): Layer.Layer<IdTokenSettings> => Layer.succeed(IdTokenSettings, { ...defaultIdTokenSettings, ...overrides })

/** A freshly issued idToken. */
export interface IssuedIdToken {
  readonly token: string
  readonly expiresAt: Date
  readonly jti: string
}

/** The claims of a verified idToken that callers use. */
export interface IdTokenClaims {
  readonly sub: string
  readonly email: string
  readonly jti: string
  /** Expiry, seconds since the epoch. */
  readonly exp: number
}

/** The JWKS entry of the signing key. */
export interface JwksKey extends Ed25519PublicJwk {
  readonly alg: "EdDSA"
  readonly use: "sig"
}

/** The JSON Web Key Set served at `/.well-known/jwks.json`. */
export interface JwksValue {
  readonly keys: ReadonlyArray<JwksKey>
}

/** Tokens longer than this are refused before any decoding (ours are ~400 bytes). */
const maxTokenLength = 8192
/** An Ed25519 signature is 64 bytes: 86 base64url characters, unpadded. */
const signatureLength = 86
const base64url = /^[A-Za-z0-9_-]+$/
const utf8 = new TextDecoder("utf-8", { fatal: true })

const encodeJson = (value: object): string => Buffer.from(JSON.stringify(value), "utf8").toString("base64url")

/** Strict base64url: alphabet only, no padding, and canonical (re-encodes to the same text). */
const decodeSegment = (segment: string): Buffer | undefined => {
  if (!base64url.test(segment)) return undefined
  const bytes = Buffer.from(segment, "base64url")
  return bytes.toString("base64url") === segment ? bytes : undefined
}

const decodeJsonObject = (segment: string): Record<string, unknown> | undefined => {
  const bytes = decodeSegment(segment)
  if (bytes === undefined) return undefined
  const value: unknown = JSON.parse(utf8.decode(bytes))
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined
}

const isNumericDate = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value)
const isNonEmptyString = (value: unknown): value is string => typeof value === "string" && value.length > 0

/** Why a token was refused; logged at debug level only, never returned to the caller. */
type Verdict = IdTokenClaims | string

/** Every check of a compact EdDSA JWS and its claims; returns the claims or the reason for refusal. */
const check = (
  token: string,
  publicKey: KeyObject,
  kid: string,
  settings: IdTokenSettingsValue,
  nowSeconds: number
): Verdict => {
  if (typeof token !== "string" || token.length === 0 || token.length > maxTokenLength) return "length"
  const parts = token.split(".")
  if (parts.length !== 3) return "not three segments"
  const [encodedHeader, encodedPayload, encodedSignature] = parts as [string, string, string]
  const header = decodeJsonObject(encodedHeader)
  if (header === undefined) return "header"
  if (header["alg"] !== "EdDSA") return "alg"
  if (header["typ"] !== "JWT") return "typ"
  if (header["kid"] !== kid) return "kid"
  if ("crit" in header || "b64" in header) return "crit"
  if (encodedSignature.length !== signatureLength) return "signature length"
  const signature = decodeSegment(encodedSignature)
  if (signature === undefined || signature.length !== 64) return "signature encoding"
  const signingInput = Buffer.from(`${encodedHeader}.${encodedPayload}`, "ascii")
  if (!verify(null, signingInput, publicKey, signature)) return "signature"
  const claims = decodeJsonObject(encodedPayload)
  if (claims === undefined) return "payload"
  if (claims["iss"] !== settings.issuer) return "iss"
  const aud = claims["aud"]
  if (!(aud === settings.audience || (Array.isArray(aud) && aud.includes(settings.audience)))) return "aud"
  const { exp, iat, nbf } = claims
  if (!isNumericDate(exp) || !isNumericDate(iat)) return "exp/iat"
  if (exp <= nowSeconds - settings.leewaySeconds) return "expired"
  if (iat > nowSeconds + settings.leewaySeconds || iat > exp) return "iat"
  if (nbf !== undefined && (!isNumericDate(nbf) || nbf > nowSeconds + settings.leewaySeconds)) return "nbf"
  const { sub, email, jti } = claims
  if (!isNonEmptyString(sub) || typeof email !== "string" || !isNonEmptyString(jti)) return "sub/email/jti"
  return { sub, email, jti, exp }
}

/** Issues and verifies idTokens with the configured `SigningKey`; publishes its JWKS. */
export class IdTokens extends Effect.Service<IdTokens>()("Rampart/Crypto/IdTokens", {
  effect: Effect.gen(function*() {
    const key = yield* SigningKey
    const settings = yield* IdTokenSettings
    // Imported once: verification never re-parses the key.
    const publicKey = createPublicKey({ key: { ...key.publicJwk }, format: "jwk" })
    const encodedHeader = encodeJson({ alg: "EdDSA", typ: "JWT", kid: key.kid })

    /** Signs `{ sub, email }` with iss, aud, iat, exp = iat + lifetime and a random jti. */
    const issue = (claims: { readonly sub: string; readonly email: string }): Effect.Effect<IssuedIdToken> =>
      Effect.map(Clock.currentTimeMillis, (millis) => {
        const iat = Math.floor(millis / 1000)
        const exp = iat + settings.lifetimeSeconds
        const jti = randomUUID()
        const signingInput = `${encodedHeader}.${
          encodeJson({
            iss: settings.issuer,
            aud: settings.audience,
            sub: claims.sub,
            email: claims.email,
            iat,
            exp,
            jti
          })
        }`
        // Synchronous Ed25519 (~0.08 ms): stays off libuv's thread pool, see the module comment.
        const signature = sign(null, Buffer.from(signingInput, "ascii"), key.privateKey).toString("base64url")
        return { token: `${signingInput}.${signature}`, expiresAt: new Date(exp * 1000), jti }
      }).pipe(traced("IdTokens.issue"))

    // Spans skip the stack capture: verify runs on every authenticated request.
    /** The claims of a valid, unexpired token of ours; any failure is the same generic `AuthError`. */
    const verifyToken = (token: string): Effect.Effect<IdTokenClaims, AuthError> =>
      Effect.flatMap(Clock.currentTimeMillis, (millis) => {
        let verdict: Verdict
        try {
          verdict = check(token, publicKey, key.kid, settings, Math.floor(millis / 1000))
        } catch {
          verdict = "malformed"
        }
        return typeof verdict === "string"
          ? Effect.zipRight(
            Effect.logDebug("idToken refused", verdict),
            Effect.fail(new AuthError({ message: "invalid or expired token" }))
          )
          : Effect.succeed(verdict)
      }).pipe(traced("IdTokens.verify"))

    /** The public signing key, for `/.well-known/jwks.json`. */
    const jwks: JwksValue = { keys: [{ ...key.publicJwk, alg: "EdDSA", use: "sig" }] }

    return { issue, verify: verifyToken, jwks } as const
  })
}) {}
