/**
 * The Ed25519 keys of idTokens: the one that signs, `RAMPART_SIGNING_KEY` (a private OKP JWK), and
 * the previous ones that still verify, `RAMPART_PREVIOUS_SIGNING_KEYS` (a JSON array of public or
 * private OKP JWKs). Parsing and validation live here; where the JSON comes from (environment,
 * sandbox key file) is the server configuration's business.
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto"
import type { Ed25519Jwk } from "../../Crypto/IdTokenChecks.js"

/** The loaded signing key: the private key object, its public JWK and its key id. */
export interface SigningKeyValue {
  readonly privateKey: KeyObject
  readonly publicJwk: Ed25519Jwk
  readonly kid: string
}

/** The Ed25519 key that signs idTokens. */
export class SigningKey extends Context.Tag("Rampart/SigningKey")<SigningKey, SigningKeyValue>() {}

/** The public halves of the keys that signed before the current one: they stay in the JWKS and keep verifying. */
export class PreviousSigningKeys extends Context.Tag("Rampart/PreviousSigningKeys")<
  PreviousSigningKeys,
  ReadonlyArray<Ed25519Jwk>
>() {}

/** `RAMPART_SIGNING_KEY` is not an Ed25519 private JWK; the message names the variable, never the key. */
export class SigningKeyError extends Data.TaggedError("SigningKeyError")<{ readonly message: string }> {}

/** RFC 7638 thumbprint of an Ed25519 public key: SHA-256 over the required members in lexicographic order. */
export const ed25519Thumbprint = (x: string): string =>
  createHash("sha256").update(JSON.stringify({ crv: "Ed25519", kty: "OKP", x })).digest("base64url")

/** A new Ed25519 private JWK (`kty`, `crv`, `x`, `d`, `kid` = RFC 7638 thumbprint) as a JSON string. */
export const generateSigningJwk = (): string => {
  const { privateKey } = generateKeyPairSync("ed25519")
  const jwk = privateKey.export({ format: "jwk" })
  if (typeof jwk.x !== "string" || typeof jwk.d !== "string") {
    throw new Error("node:crypto exported an Ed25519 JWK without x or d")
  }
  return JSON.stringify({ kty: "OKP", crv: "Ed25519", x: jwk.x, d: jwk.d, kid: ed25519Thumbprint(jwk.x) })
}

const invalid = (detail: string) =>
  new SigningKeyError({
    message: `RAMPART_SIGNING_KEY must be an Ed25519 private JWK ({"kty":"OKP","crv":"Ed25519","x":…,"d":…}): ${detail}`
  })

const invalidPrevious = (detail: string) =>
  new SigningKeyError({
    message:
      `RAMPART_PREVIOUS_SIGNING_KEYS must be a JSON array of Ed25519 JWKs ({"kty":"OKP","crv":"Ed25519","x":…}): ${detail}`
  })

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** Parses and checks the JSON of `RAMPART_SIGNING_KEY`; `x` must match the public key derived from `d`. */
const parse = (json: string): SigningKeyValue | SigningKeyError => {
  let jwk: unknown
  try {
    jwk = JSON.parse(json)
  } catch {
    return invalid("not valid JSON")
  }
  if (!isRecord(jwk)) return invalid("not a JSON object")
  if (jwk["kty"] !== "OKP" || jwk["crv"] !== "Ed25519") return invalid("kty must be OKP and crv Ed25519")
  if (typeof jwk["d"] !== "string") return invalid("the private member d is missing (a public key cannot sign)")
  if (typeof jwk["x"] !== "string") return invalid("the public member x is missing")
  if (jwk["alg"] !== undefined && jwk["alg"] !== "EdDSA" && jwk["alg"] !== "Ed25519") {
    return invalid("alg, when present, must be EdDSA")
  }
  if (jwk["use"] !== undefined && jwk["use"] !== "sig") return invalid("use, when present, must be sig")
  if (jwk["kid"] !== undefined && (typeof jwk["kid"] !== "string" || jwk["kid"].length === 0)) {
    return invalid("kid, when present, must be a non-empty string")
  }
  let privateKey: KeyObject
  try {
    privateKey = createPrivateKey({ key: { kty: "OKP", crv: "Ed25519", x: jwk["x"], d: jwk["d"] }, format: "jwk" })
  } catch {
    return invalid("x or d is not a valid Ed25519 key")
  }
  // Derive the public key from d rather than trusting x, so a mismatched pair cannot publish a JWKS
  // that does not verify the tokens we sign.
  const x = createPublicKey(privateKey).export({ format: "jwk" }).x
  if (typeof x !== "string" || x !== jwk["x"]) return invalid("x does not match the private key d")
  const kid = typeof jwk["kid"] === "string" ? jwk["kid"] : ed25519Thumbprint(x)
  return { privateKey, publicJwk: { kty: "OKP", crv: "Ed25519", x, kid }, kid }
}

/** One previous key: its public half (a private `d`, when given, must match `x`; `kid` defaults to the thumbprint). */
const parsePrevious = (jwk: unknown, index: number): Ed25519Jwk | SigningKeyError => {
  const at = (detail: string) => invalidPrevious(`entry ${index}: ${detail}`)
  if (!isRecord(jwk)) return at("not a JSON object")
  if (jwk["kty"] !== "OKP" || jwk["crv"] !== "Ed25519") return at("kty must be OKP and crv Ed25519")
  if (typeof jwk["x"] !== "string") return at("the public member x is missing")
  if (jwk["kid"] !== undefined && (typeof jwk["kid"] !== "string" || jwk["kid"].length === 0)) {
    return at("kid, when present, must be a non-empty string")
  }
  try {
    const key = typeof jwk["d"] === "string"
      ? createPublicKey(
        createPrivateKey({ key: { kty: "OKP", crv: "Ed25519", x: jwk["x"], d: jwk["d"] }, format: "jwk" })
      )
      : createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: jwk["x"] }, format: "jwk" })
    if (key.export({ format: "jwk" }).x !== jwk["x"]) return at("x does not match the private key d")
  } catch {
    return at("x (or d) is not a valid Ed25519 key")
  }
  const x = jwk["x"]
  return { kty: "OKP", crv: "Ed25519", x, kid: typeof jwk["kid"] === "string" ? jwk["kid"] : ed25519Thumbprint(x) }
}

/** Loads `RAMPART_PREVIOUS_SIGNING_KEYS` (a JSON array; empty or absent: none). */
export const previousKeysFromJson = (
  json: Redacted.Redacted<string>
): Effect.Effect<ReadonlyArray<Ed25519Jwk>, SigningKeyError> =>
  Effect.suspend(() => {
    let list: unknown
    try {
      list = JSON.parse(Redacted.value(json))
    } catch {
      return Effect.fail(invalidPrevious("not valid JSON"))
    }
    if (!Array.isArray(list)) return Effect.fail(invalidPrevious("not a JSON array"))
    const keys: Array<Ed25519Jwk> = []
    for (const [index, jwk] of list.entries()) {
      const key = parsePrevious(jwk, index)
      if (key instanceof SigningKeyError) return Effect.fail(key)
      keys.push(key)
    }
    return Effect.succeed(keys)
  })

/** Loads `RAMPART_SIGNING_KEY`; fails with `SigningKeyError` unless it is an Ed25519 private OKP JWK. */
export const signingKeyFromJwk = (json: Redacted.Redacted<string>): Effect.Effect<SigningKeyValue, SigningKeyError> =>
  Effect.suspend(() => {
    const result = parse(Redacted.value(json))
    return result instanceof SigningKeyError ? Effect.fail(result) : Effect.succeed(result)
  })
