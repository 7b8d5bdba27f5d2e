/**
 * The bearer middlewares of the contract: idTokens verified by `IdTokens`, partner access tokens
 * looked up by `Partners`.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { PartnerAuthentication, UserAuthentication } from "../../Api/Security.js"
import { authenticatedUserOf } from "../../Domain/Identity.js"
import { IdTokens } from "../Crypto/IdTokens.js"
import { Partners } from "../Partners/Partners.js"
import { boundary } from "./Boundary.js"

/** Verifies the idToken bearer and provides `CurrentUser`. */
export const layerUserAuthentication = Layer.effect(
  UserAuthentication,
  Effect.map(IdTokens, (idTokens) => ({
    idToken: (token: Redacted.Redacted<string>) =>
      idTokens
        .verify(Redacted.value(token))
        .pipe(Effect.map(authenticatedUserOf))
  }))
)

/**
 * The contract's `PartnerAuthentication` middleware in process: looks up the access-token bearer
 * with `Partners` and provides `CurrentPartner` (for any `HttpApi` of a service that embeds the domain).
 */
export const layerPartnerAuthentication = Layer.effect(
  PartnerAuthentication,
  Effect.map(Partners, (partners) => ({
    partnerToken: (token: Redacted.Redacted<string>) => boundary(partners.authenticate(token))
  }))
)
