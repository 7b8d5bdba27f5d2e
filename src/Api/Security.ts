/**
 * Security of the contract: the Criptan idToken and the KriptoAPI partner access token, each a
 * bearer middleware that provides who the request acts for or fails with `AuthError`; and the
 * step-up, `OtpVerification`, a fresh one-time code in `x-otp` that any endpoint of any `HttpApi`
 * can ask for after `UserAuthentication`.
 */
import * as HttpApiMiddleware from "@effect/platform/HttpApiMiddleware"
import * as HttpApiSecurity from "@effect/platform/HttpApiSecurity"
import * as OpenApi from "@effect/platform/OpenApi"
import * as Context from "effect/Context"
import * as Schema from "effect/Schema"
import {
  AttemptsExhausted,
  AuthError,
  InternalError,
  InvalidOtp,
  NotConfigured,
  ServiceUnavailable
} from "../Domain/Errors.js"
import type { AuthenticatedPartner, AuthenticatedUser } from "../Domain/Identity.js"
import type { StepUpProof } from "../Domain/Otp.js"

/** The user behind the request's idToken. */
export class CurrentUser extends Context.Tag("Rampart/CurrentUser")<CurrentUser, AuthenticatedUser>() {}

/** The partner session behind the request's access token. */
export class CurrentPartner extends Context.Tag("Rampart/CurrentPartner")<CurrentPartner, AuthenticatedPartner>() {}

/** Bearer idToken (EdDSA JWT) security for the Criptan endpoints. */
export class UserAuthentication extends HttpApiMiddleware.Tag<UserAuthentication>()("Rampart/UserAuthentication", {
  failure: Schema.Union(AuthError, InternalError, ServiceUnavailable),
  provides: CurrentUser,
  security: {
    idToken: HttpApiSecurity.bearer.pipe(
      HttpApiSecurity.annotate(OpenApi.Format, "JWT"),
      HttpApiSecurity.annotate(OpenApi.Description, "The idToken from POST /auth/login")
    )
  }
}) {}

/** Bearer access-token security for the KriptoAPI partner endpoints. */
export class PartnerAuthentication extends HttpApiMiddleware.Tag<PartnerAuthentication>()(
  "Rampart/PartnerAuthentication",
  {
    failure: Schema.Union(AuthError, InternalError, ServiceUnavailable),
    provides: CurrentPartner,
    security: {
      partnerToken: HttpApiSecurity.bearer.pipe(
        HttpApiSecurity.annotate(OpenApi.Description, "The access_token from POST /api/v1/partners/auth/login")
      )
    }
  }
) {}

/** The step-up the request passed (`OtpVerification`): the channel whose code was used, and when. */
export class VerifiedOtp extends Context.Tag("Rampart/VerifiedOtp")<VerifiedOtp, StepUpProof>() {}

/**
 * Step-up security: the request's `x-otp` must be a fresh one-time code of the bearer's user (a
 * current TOTP code, or the last code sent to a validated EMAIL or SMS channel); provides
 * `VerifiedOtp`. A missing header is `InvalidOtp` saying the header is required; `AuthError` when
 * the bearer idToken itself is refused. Implemented by `layerOtpVerification` (`rampart/server`,
 * in process) and `layerOtpVerificationRemote` (`rampart`, over a Rampart server).
 */
export class OtpVerification extends HttpApiMiddleware.Tag<OtpVerification>()("Rampart/OtpVerification", {
  failure: Schema.Union(InvalidOtp, AttemptsExhausted, NotConfigured, AuthError, InternalError, ServiceUnavailable),
  provides: VerifiedOtp,
  security: {
    otp: HttpApiSecurity.apiKey({ key: "x-otp", in: "header" }).pipe(
      HttpApiSecurity.annotate(
        OpenApi.Description,
        "A fresh one-time code of the user: a current TOTP code, or the code last sent with GET /auth/otp/code"
      )
    )
  }
}) {}
