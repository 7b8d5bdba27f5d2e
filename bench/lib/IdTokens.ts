/**
 * idTokens for servers that verify them (verify-overhead): issued by Rampart's own `IdTokens`
 * service (src/Server/Crypto/IdTokens.ts) with a signing key of the run, so the token carries
 * exactly the header and claims the Rampart server issues, and the JWKS is the one it would publish.
 */
import { Effect, Layer, Redacted } from "effect"
import { IdTokens, type JwksValue, layerDefaultIdTokenSettings } from "../../src/Server/Crypto/IdTokens.js"
import { PreviousSigningKeys, SigningKey, signingKeyFromJwk } from "../../src/Server/Crypto/SigningKey.js"

/** A signed idToken and the JWKS (public keys only) that verifies it. */
export interface IssuedBenchToken {
  readonly idToken: string
  readonly jwks: JwksValue
}

/** What the token is issued to and for; it stays valid for `lifetimeSeconds` (a day unless told). */
export interface BenchTokenOptions {
  /** `RAMPART_SIGNING_KEY`-style private Ed25519 JWK (JSON), e.g. `makeKeys().signingKey`. */
  readonly signingKey: string
  readonly issuer: string
  readonly audience: string
  /** A UUID, as the checks require of `sub`. */
  readonly sub: string
  readonly email: string
  readonly lifetimeSeconds?: number
}

/** Issues one idToken with `IdTokens.issue` (EdDSA, `kid` of the key; `iss`, `aud`, `sub`, `email`, `iat`, `exp`, `jti`, `auth_time`, `amr`). */
export const issueBenchToken = (options: BenchTokenOptions): IssuedBenchToken => {
  const keys = Layer.mergeAll(
    Layer.effect(SigningKey, signingKeyFromJwk(Redacted.make(options.signingKey))),
    Layer.succeed(PreviousSigningKeys, []),
    layerDefaultIdTokenSettings({
      issuer: options.issuer,
      audiences: [options.audience],
      lifetimeSeconds: options.lifetimeSeconds ?? 86_400
    })
  )
  return Effect.runSync(
    Effect.gen(function*() {
      const idTokens = yield* IdTokens
      const issued = yield* idTokens.issue({ sub: options.sub, email: options.email })
      return { idToken: issued.token, jwks: idTokens.jwks() }
    }).pipe(Effect.provide(IdTokens.Default.pipe(Layer.provide(keys))))
  )
}
