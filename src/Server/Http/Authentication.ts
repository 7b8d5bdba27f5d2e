/**
 * The security middlewares of the contract in process: idTokens verified by `IdTokens`, partner
 * access tokens looked up by `Partners`, step-up codes consumed by `StepUp`.
 */
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { OtpVerification, PartnerAuthentication, UserAuthentication } from "../../Api/Security.js"
import { authenticatedUserOf } from "../../Domain/Identity.js"
import { isOtpCode, otpHeaderRefusal } from "../../Domain/Otp.js"
import { IdTokens } from "../Crypto/IdTokens.js"
import { StepUp } from "../Otp/StepUp.js"
import { Partners } from "../Partners/Partners.js"
import { boundary } from "./Boundary.js"

/**
 * The contract's `UserAuthentication` middleware in process: verifies the idToken bearer with the
 * server's own `IdTokens` (its current and previous keys) and provides `CurrentUser`.
 */
export const layerUserAuthenticationInProcess = Layer.effect(
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

/** The bearer token of a request's `Authorization` header ("" when there is none). */
const bearerOf = (request: HttpServerRequest.HttpServerRequest): string => {
  const header = request.headers["authorization"] ?? ""
  return header.slice(0, 7).toLowerCase() === "bearer " ? header.slice(7) : ""
}

/**
 * The contract's `OtpVerification` (step-up) middleware in process: the request's bearer idToken
 * names the user (verified here, so the middleware does not depend on running after
 * `UserAuthentication`), and `StepUp` consumes the code in `x-otp`; provides `VerifiedOtp`.
 */
export const layerOtpVerification = Layer.effect(
  OtpVerification,
  Effect.gen(function*() {
    const idTokens = yield* IdTokens
    const stepUp = yield* StepUp
    return {
      otp: (code: Redacted.Redacted<string>) =>
        Effect.gen(function*() {
          const claims = yield* idTokens.verify(bearerOf(yield* HttpServerRequest.HttpServerRequest))
          if (!isOtpCode(Redacted.value(code))) return yield* otpHeaderRefusal(Redacted.value(code) !== "")
          return yield* boundary(stepUp.verify(claims.sub, Redacted.value(code)))
        })
    }
  })
)
