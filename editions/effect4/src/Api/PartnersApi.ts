/**
 * KriptoAPI white-label partner login and logout.
 */
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { AttemptsExhausted, AuthError, InvalidOtp } from "../Domain/Errors.js"
import { PartnerLoginRequest, PartnerLoginResponse } from "../Domain/Partner.js"
import { PartnerAuthentication, RampartApiErrors } from "./Security.js"
import { documentTransportRefusals } from "./TransportRefusals.js"

/** `/api/v1/partners/auth/login` and `/api/v1/partners/auth/logout`. */
export class PartnersApi extends HttpApiGroup.make("partners")
  .add(
    HttpApiEndpoint.post("logout", "/api/v1/partners/auth/logout", { success: HttpApiSchema.NoContent })
      .annotate(OpenApi.Summary, "Revoke the access token")
  )
  .middleware(PartnerAuthentication)
  .add(
    HttpApiEndpoint.post("login", "/api/v1/partners/auth/login", {
      payload: PartnerLoginRequest,
      success: PartnerLoginResponse,
      error: [AuthError, InvalidOtp, AttemptsExhausted]
    }).annotate(OpenApi.Summary, "Partner login with client credentials and a TOTP security_code")
  )
  .middleware(RampartApiErrors)
  .annotateMerge(OpenApi.annotations({
    title: "Partners (KriptoAPI)",
    description: "KriptoAPI white-label partner login (client credentials and a TOTP security_code) and logout"
  }))
  .annotateEndpoints(OpenApi.Transform, documentTransportRefusals)
{}
