/**
 * Criptan OTP methods (SMS, TOTP) and OTP codes (request, verify), all behind the idToken.
 */
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { AlreadyConfigured, AttemptsExhausted, InvalidOtp, MethodNotAllowed, NotConfigured } from "../Domain/Errors.js"
import { OtpCodeQuery, OtpCodeStatus, OtpHeader, StepUpProof, VerifyOtpRequest } from "../Domain/Otp.js"
import { SmsMethodRequest } from "../Domain/Phone.js"
import { SecurityProfile, TotpEnrollment } from "../Domain/Profile.js"
import { NoInput } from "../Domain/Requests.js"
import { RampartApiErrors, UserAuthentication } from "./Security.js"
import { documentTransportRefusals } from "./TransportRefusals.js"

/** `/auth/otp/methods/*` and `/auth/otp/code`. */
export class OtpApi extends HttpApiGroup.make("otp")
  .add(
    HttpApiEndpoint.post("addSmsMethod", "/auth/otp/methods/sms", {
      payload: SmsMethodRequest,
      success: SecurityProfile,
      error: AlreadyConfigured
    }).annotate(OpenApi.Summary, "Add a phone number as SMS method; an SMS code is sent"),
    HttpApiEndpoint.post("createTotpSecret", "/auth/otp/methods/totp", {
      payload: NoInput,
      success: TotpEnrollment,
      error: AlreadyConfigured
    }).annotate(OpenApi.Summary, "Create a TOTP secret (validate it with POST /auth/otp/code)"),
    HttpApiEndpoint.delete("deleteTotpSecret", "/auth/otp/methods/totp", {
      headers: OtpHeader,
      success: SecurityProfile,
      error: [NotConfigured, InvalidOtp, AttemptsExhausted]
    }).annotate(OpenApi.Summary, "Delete the TOTP secret (needs a current TOTP code in x-otp)"),
    HttpApiEndpoint.get("requestCode", "/auth/otp/code", {
      query: OtpCodeQuery,
      success: OtpCodeStatus.pipe(HttpApiSchema.status(201)),
      error: [MethodNotAllowed, AttemptsExhausted]
    }).annotate(OpenApi.Summary, "Request an OTP code by EMAIL or SMS"),
    HttpApiEndpoint.post("verifyCode", "/auth/otp/code", {
      headers: OtpHeader,
      payload: VerifyOtpRequest,
      success: SecurityProfile,
      error: [AlreadyConfigured, NotConfigured, InvalidOtp, AttemptsExhausted]
    }).annotate(OpenApi.Summary, "Verify a channel with the code in x-otp"),
    HttpApiEndpoint.post("stepUp", "/auth/otp/verify", {
      headers: OtpHeader,
      success: StepUpProof,
      error: [NotConfigured, InvalidOtp, AttemptsExhausted]
    }).annotateMerge(OpenApi.annotations({
      summary: "Step-up: consume a fresh code of a validated channel (Rampart extension)",
      description: "Not in the Criptan documentation: a Rampart extension for services that guard their own " +
        "sensitive operations. x-otp holds a current TOTP code or the code last sent with GET /auth/otp/code to a " +
        "validated channel; the answer names the channel used.",
      override: { "x-rampart-extension": true }
    }))
  )
  .middleware(UserAuthentication)
  .middleware(RampartApiErrors)
  .annotateMerge(OpenApi.annotations({
    title: "OTP (Criptan)",
    description:
      "Criptan OTP methods (SMS, TOTP) and one-time codes (request, verify); every endpoint needs the idToken"
  }))
  .annotateEndpoints(OpenApi.Transform, documentTransportRefusals)
{}
