/**
 * Opaque tokens stored as HMACs: a refresh token or a partner access token is 32 random bytes
 * given to the caller once; the store keeps only its digest, and a presented token is looked up by
 * the digest of what was presented. The one home of that rule for both kinds of token.
 */
import * as Effect from "effect/Effect"
import type * as Redacted from "effect/Redacted"
import { Hmac, type HmacPurpose } from "./Hmac.js"
import { RandomTokens } from "./RandomTokens.js"

/** The kinds of opaque token. */
export type OpaqueTokenPurpose = Extract<HmacPurpose, "refresh-token" | "partner-access-token">

/** A new opaque token: the value for the caller and the digest for the store. */
export interface IssuedToken {
  readonly token: Redacted.Redacted<string>
  readonly hash: string
}

/** Issues opaque tokens and computes the digest a presented token is looked up by. */
export class OpaqueTokens extends Effect.Service<OpaqueTokens>()("Rampart/Crypto/OpaqueTokens", {
  effect: Effect.gen(function*() {
    const random = yield* RandomTokens
    const hmac = yield* Hmac
    return {
      /** A new token of `purpose` and its stored digest. */
      issue: (purpose: OpaqueTokenPurpose): Effect.Effect<IssuedToken> =>
        Effect.map(random.token(), (token) => ({ token, hash: hmac.digest(purpose, token) })),
      /** The digest under which a token of `purpose` is stored. */
      hashOf: (purpose: OpaqueTokenPurpose, token: string | Redacted.Redacted<string>): string =>
        hmac.digest(purpose, token)
    }
  })
}) {}
