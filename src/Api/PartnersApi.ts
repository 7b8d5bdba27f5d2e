/**
 * KriptoAPI white-label partner login and logout.
 */
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as OpenApi from "@effect/platform/OpenApi"
import { AttemptsExhausted, AuthError, InvalidOtp } from "../Domain/Errors.js"
import { PartnerLoginRequest, PartnerLoginResponse } from "../Domain/Partner.js"
import { PartnerAuthentication } from "./Security.js"
import { documentTransportRefusals } from "./TransportRefusals.js"

/** `/api/v1/partners/auth/login` and `/api/v1/partners/auth/logout`. */
export class PartnersApi extends HttpApiGroup.make("partners")
  .add(
    HttpApiEndpoint.post("login", "/api/v1/partners/auth/login")
      .setPayload(PartnerLoginRequest)
      .addSuccess(PartnerLoginResponse)
      .addError(AuthError)
      .addError(InvalidOtp)
      .addError(AttemptsExhausted)
      .annotate(OpenApi.Summary, "Partner login with client credentials and a TOTP security_code")
  )
  .add(
    HttpApiEndpoint.post("logout", "/api/v1/partners/auth/logout")
      .addSuccess(HttpApiSchema.NoContent)
      .middleware(PartnerAuthentication)
      .annotate(OpenApi.Summary, "Revoke the access token")
  )
  .annotate(OpenApi.Title, "Partners (KriptoAPI)")
  .annotate(
    OpenApi.Description,
    "KriptoAPI white-label partner login (client credentials and a TOTP security_code) and logout"
  )
  .annotateEndpoints(OpenApi.Transform, documentTransportRefusals)
{}
