/**
 * Criptan OTP methods (SMS, TOTP) and OTP codes (request, verify), all behind the idToken.
 */
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as OpenApi from "@effect/platform/OpenApi"
import { AlreadyConfigured, AttemptsExhausted, InvalidOtp, MethodNotAllowed, NotConfigured } from "../Domain/Errors.js"
import { OtpCodeQuery, OtpCodeStatus, OtpHeader, StepUpProof, VerifyOtpRequest } from "../Domain/Otp.js"
import { SmsMethodRequest } from "../Domain/Phone.js"
import { SecurityProfile, TotpEnrollment } from "../Domain/Profile.js"
import { NoInput } from "../Domain/Requests.js"
import { UserAuthentication } from "./Security.js"
import { documentTransportRefusals } from "./TransportRefusals.js"

/** `/auth/otp/methods/*` and `/auth/otp/code`. */
export class OtpApi extends HttpApiGroup.make("otp")
  .add(
    HttpApiEndpoint.post("addSmsMethod", "/auth/otp/methods/sms")
      .setPayload(SmsMethodRequest)
      .addSuccess(SecurityProfile)
      .addError(AlreadyConfigured)
      .annotate(OpenApi.Summary, "Add a phone number as SMS method; an SMS code is sent")
  )
  .add(
    HttpApiEndpoint.post("createTotpSecret", "/auth/otp/methods/totp")
      .setPayload(NoInput)
      .addSuccess(TotpEnrollment)
      .addError(AlreadyConfigured)
      .annotate(OpenApi.Summary, "Create a TOTP secret (validate it with POST /auth/otp/code)")
  )
  .add(
    HttpApiEndpoint.del("deleteTotpSecret", "/auth/otp/methods/totp")
      .setHeaders(OtpHeader)
      .addSuccess(SecurityProfile)
      .addError(NotConfigured)
      .addError(InvalidOtp)
      .addError(AttemptsExhausted)
      .annotate(OpenApi.Summary, "Delete the TOTP secret (needs a current TOTP code in x-otp)")
  )
  .add(
    HttpApiEndpoint.get("requestCode", "/auth/otp/code")
      .setUrlParams(OtpCodeQuery)
      .addSuccess(OtpCodeStatus, { status: 201 })
      .addError(MethodNotAllowed)
      .addError(AttemptsExhausted)
      .annotate(OpenApi.Summary, "Request an OTP code by EMAIL or SMS")
  )
  .add(
    HttpApiEndpoint.post("verifyCode", "/auth/otp/code")
      .setHeaders(OtpHeader)
      .setPayload(VerifyOtpRequest)
      .addSuccess(SecurityProfile)
      .addError(AlreadyConfigured)
      .addError(NotConfigured)
      .addError(InvalidOtp)
      .addError(AttemptsExhausted)
      .annotate(OpenApi.Summary, "Verify a channel with the code in x-otp")
  )
  .add(
    HttpApiEndpoint.post("stepUp", "/auth/otp/verify")
      .setHeaders(OtpHeader)
      .addSuccess(StepUpProof)
      .addError(NotConfigured)
      .addError(InvalidOtp)
      .addError(AttemptsExhausted)
      .annotate(OpenApi.Summary, "Step-up: consume a fresh code of a validated channel (Rampart extension)")
      .annotate(
        OpenApi.Description,
        "Not in the Criptan documentation: a Rampart extension for services that guard their own sensitive " +
          "operations. x-otp holds a current TOTP code or the code last sent with GET /auth/otp/code to a " +
          "validated channel; the answer names the channel used."
      )
      .annotate(OpenApi.Override, { "x-rampart-extension": true })
  )
  .middleware(UserAuthentication)
  .annotate(OpenApi.Title, "OTP (Criptan)")
  .annotate(
    OpenApi.Description,
    "Criptan OTP methods (SMS, TOTP) and one-time codes (request, verify); every endpoint needs the idToken"
  )
  .annotateEndpoints(OpenApi.Transform, documentTransportRefusals)
{}
