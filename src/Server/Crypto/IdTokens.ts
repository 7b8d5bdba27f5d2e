/**
 * Criptan idTokens: compact JWS (EdDSA / Ed25519) with `iss`, `aud`, `sub`, `email`, `iat`, `exp`,
 * `jti`, `auth_time` and `amr`, signed with the current signing key and verified with the key the
 * token's `kid` names (the current key or a previous one, so a rotation logs nobody out).
 *
 * Why not `jose` at run time: its WebCrypto sign/verify run on libuv's 4-thread pool, shared with
 * Argon2 password hashing, so under login load every authenticated request would queue behind the
 * hashes (measured: verify 0.24 ms → 1.6 ms with 3 hashes in flight, → 20 ms with 4; the sync path
 * stays at 0.15–0.24 ms). The checks jose would make are made by `src/Crypto/IdTokenChecks.ts`,
 * the same checks `IdTokenVerifier` makes in other services; the tests hold them against
 * `jose.jwtVerify` as an independent oracle.
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { createPublicKey, type KeyObject, randomUUID, sign } from "node:crypto"
import { type Ed25519Jwk, VerifiedTokens } from "../../Crypto/IdTokenChecks.js"
import { AuthError } from "../../Domain/Errors.js"
import type { IdTokenClaims } from "../../Domain/Identity.js"
import { Limits } from "../../Domain/Policy.js"
import { traced } from "../../internal/Spans.js"
import { PreviousSigningKeys, SigningKey, type SigningKeyValue } from "./SigningKey.js"

/** Issuer, audiences and timing of idTokens. */
export interface IdTokenSettingsValue {
  readonly issuer: string
  /** The audiences tokens are issued for (`aud`: one string, or an array of several); a token naming any of them verifies. */
  readonly audiences: ReadonlyArray<string>
  /** Token lifetime; 3600 in the Criptan contract. */
  readonly lifetimeSeconds: number
  /** Clock skew tolerated on `exp`, `iat` and `nbf`; 30 by default. */
  readonly leewaySeconds: number
}

/** Issuer, audiences and timing of idTokens, provided by the server configuration. */
export class IdTokenSettings extends Context.Tag("Rampart/Crypto/IdTokenSettings")<
  IdTokenSettings,
  IdTokenSettingsValue
>() {}

/** The defaults: issuer and audience "rampart", the SPEC's lifetime (`Limits.idTokenTtlSeconds`, 3600 s), 30 s leeway. */
export const defaultIdTokenSettings: IdTokenSettingsValue = {
  issuer: "rampart",
  audiences: ["rampart"],
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

/** A JWKS entry: an Ed25519 public key for EdDSA signatures. */
export interface JwksKey extends Ed25519Jwk {
  readonly alg: "EdDSA"
  readonly use: "sig"
}

/** The JSON Web Key Set served at `/.well-known/jwks.json`. */
export interface JwksValue {
  readonly keys: ReadonlyArray<JwksKey>
}

const encodeJson = (value: object): string => Buffer.from(JSON.stringify(value), "utf8").toString("base64url")

/** The most previous keys kept in the JWKS (a sandbox that rotates often stays bounded). */
export const MAX_PREVIOUS_KEYS = 20

/** The keys of the moment: the one that signs, and every key that still verifies, by `kid`. */
interface KeySet {
  readonly signing: SigningKeyValue
  readonly previous: ReadonlyArray<Ed25519Jwk>
  readonly byKid: ReadonlyMap<string, KeyObject>
  readonly jwks: JwksValue
  readonly encodedHeader: string
}

const jwksKey = (jwk: Ed25519Jwk): JwksKey => ({
  kty: "OKP",
  crv: "Ed25519",
  x: jwk.x,
  kid: jwk.kid,
  alg: "EdDSA",
  use: "sig"
})

/** The previous keys kept beside signing key `signingKid`: each `kid` once, not the signing one, at most `MAX_PREVIOUS_KEYS`. */
export const keptPreviousKeys = (
  signingKid: string,
  candidates: ReadonlyArray<Ed25519Jwk>
): ReadonlyArray<Ed25519Jwk> =>
  candidates.filter((jwk, i) => jwk.kid !== signingKid && candidates.findIndex((other) => other.kid === jwk.kid) === i)
    .slice(0, MAX_PREVIOUS_KEYS)

/** The key set of `signing` and `previous` (as `keptPreviousKeys` keeps them). */
const keySet = (signing: SigningKeyValue, previous: ReadonlyArray<Ed25519Jwk>): KeySet => {
  const kept = keptPreviousKeys(signing.kid, previous)
  const byKid = new Map<string, KeyObject>([[signing.kid, createPublicKey(signing.privateKey)]])
  for (const jwk of kept) {
    byKid.set(jwk.kid, createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: jwk.x }, format: "jwk" }))
  }
  return {
    signing,
    previous: kept,
    byKid,
    jwks: { keys: [jwksKey(signing.publicJwk), ...kept.map(jwksKey)] },
    encodedHeader: encodeJson({ alg: "EdDSA", typ: "JWT", kid: signing.kid })
  }
}

/** What a rotation did: the new signing key's `kid` and the previous keys' (newest first). */
export interface RotatedKeys {
  readonly kid: string
  readonly previous: ReadonlyArray<string>
}

/** What an idToken is issued for: the user, and when the login that started the session happened. */
export interface IdTokenSubject {
  readonly sub: string
  readonly email: string
  /** The password login behind the session, in seconds (`auth_time`); now when omitted. */
  readonly authTime?: number | undefined
}

/** Issues and verifies idTokens with the configured signing keys; publishes their JWKS. */
export class IdTokens extends Effect.Service<IdTokens>()("Rampart/Crypto/IdTokens", {
  effect: Effect.gen(function*() {
    const settings = yield* IdTokenSettings
    let keys = keySet(yield* SigningKey, yield* PreviousSigningKeys)
    const expected = { issuer: settings.issuer, audiences: settings.audiences, leewaySeconds: settings.leewaySeconds }
    const aud = settings.audiences.length === 1 ? settings.audiences[0]! : settings.audiences
    const keyFor = (kid: string) => keys.byKid.get(kid)
    const verified = new VerifiedTokens()

    /** Signs `{ sub, email }` with iss, aud, iat, exp = iat + lifetime, a random jti, auth_time and amr. */
    const issue = (subject: IdTokenSubject): Effect.Effect<IssuedIdToken> =>
      Effect.map(Clock.currentTimeMillis, (millis) => {
        const iat = Math.floor(millis / 1000)
        const exp = iat + settings.lifetimeSeconds
        const jti = randomUUID()
        const { encodedHeader, signing } = keys
        const signingInput = `${encodedHeader}.${
          encodeJson({
            iss: settings.issuer,
            aud,
            sub: subject.sub,
            email: subject.email,
            iat,
            exp,
            jti,
            auth_time: Math.min(subject.authTime ?? iat, iat),
            amr: ["pwd"]
          })
        }`
        // Synchronous Ed25519 (~0.08 ms): stays off libuv's thread pool, see the module comment.
        const signature = sign(null, Buffer.from(signingInput, "ascii"), signing.privateKey).toString("base64url")
        return { token: `${signingInput}.${signature}`, expiresAt: new Date(exp * 1000), jti }
      }).pipe(traced("IdTokens.issue"))

    /** The claims of a valid, unexpired token of ours; any failure is the same generic `AuthError`. */
    const verifyToken = (token: string): Effect.Effect<IdTokenClaims, AuthError> =>
      Effect.flatMap(Clock.currentTimeMillis, (millis) => {
        const verdict = verified.check(token, keyFor, expected, Math.floor(millis / 1000))
        return verdict._tag === "Valid"
          // The checks made `sub` a UUID: the claims are `IdTokenClaims`.
          ? Effect.succeed(verdict.claims as IdTokenClaims)
          : Effect.zipRight(
            Effect.logDebug("idToken refused", verdict._tag === "UnknownKid" ? "unknown kid" : verdict.reason),
            Effect.fail(new AuthError({ message: "invalid or expired token" }))
          )
      }).pipe(traced("IdTokens.verify"))

    /** Signs with `next` from now on; the key it replaces stays in the JWKS and keeps verifying. */
    const rotate = (next: SigningKeyValue): Effect.Effect<RotatedKeys> =>
      Effect.sync(() => {
        keys = keySet(next, [keys.signing.publicJwk, ...keys.previous])
        return { kid: next.kid, previous: keys.previous.map((jwk) => jwk.kid) }
      })

    return {
      issue,
      verify: verifyToken,
      rotate,
      /** The public keys that verify tokens (signing key first), for `/.well-known/jwks.json`. */
      jwks: (): JwksValue => keys.jwks,
      /** The signing key and the previous keys' public halves, as a rotation persists them. */
      current: () => ({ signing: keys.signing, previous: keys.previous })
    } as const
  })
}) {}
