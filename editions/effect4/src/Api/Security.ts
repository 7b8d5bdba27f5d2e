/**
 * Security of the contract: the Criptan idToken and the KriptoAPI partner access token, each a
 * bearer middleware that provides who the request acts for or fails with `AuthError`; and the
 * step-up, `OtpVerification`, a fresh one-time code in `x-otp` that any endpoint of any `HttpApi`
 * can ask for after `UserAuthentication`. `RampartApiErrors` carries the errors every endpoint may
 * answer (Effect 4 has no API-level `addError`).
 */
import * as Context from "effect/Context"
import { HttpApiMiddleware, HttpApiSecurity, OpenApi } from "effect/http-api"
import {
  AttemptsExhausted,
  AuthError,
  HttpApiDecodeError,
  InternalError,
  InvalidOtp,
  NotConfigured,
  ServiceUnavailable
} from "../Domain/Errors.js"
import type { AuthenticatedPartner, AuthenticatedUser } from "../Domain/Identity.js"
import type { StepUpProof } from "../Domain/Otp.js"

/** The user behind the request's idToken. */
export class CurrentUser extends Context.Service<CurrentUser, AuthenticatedUser>()("Rampart/CurrentUser") {}

/** The partner session behind the request's access token. */
export class CurrentPartner extends Context.Service<CurrentPartner, AuthenticatedPartner>()("Rampart/CurrentPartner") {}

/** The step-up the request passed (`OtpVerification`): the channel whose code was used, and when. */
export class VerifiedOtp extends Context.Service<VerifiedOtp, StepUpProof>()("Rampart/VerifiedOtp") {}

/** The errors every endpoint of `RampartApi` may answer: `InternalError` (500), `ServiceUnavailable` (503) and `HttpApiDecodeError` (400, a refused request). */
export class RampartApiErrors extends HttpApiMiddleware.Service<RampartApiErrors>()("Rampart/ApiErrors", {
  error: [HttpApiDecodeError, InternalError, ServiceUnavailable]
}) {}

/** Bearer idToken (EdDSA JWT) security for the Criptan endpoints. */
export class UserAuthentication extends HttpApiMiddleware.Service<UserAuthentication, { provides: CurrentUser }>()(
  "Rampart/UserAuthentication",
  {
    error: [AuthError, InternalError, ServiceUnavailable],
    security: {
      idToken: HttpApiSecurity.bearer.pipe(
        HttpApiSecurity.annotate(OpenApi.Format, "JWT"),
        HttpApiSecurity.annotate(OpenApi.Description, "The idToken from POST /auth/login")
      )
    }
  }
) {}

/** Bearer access-token security for the KriptoAPI partner endpoints. */
export class PartnerAuthentication
  extends HttpApiMiddleware.Service<PartnerAuthentication, { provides: CurrentPartner }>()(
    "Rampart/PartnerAuthentication",
    {
      error: [AuthError, InternalError, ServiceUnavailable],
      security: {
        partnerToken: HttpApiSecurity.bearer.pipe(
          HttpApiSecurity.annotate(OpenApi.Description, "The access_token from POST /api/v1/partners/auth/login")
        )
      }
    }
  )
{}

/**
 * Step-up security: the request's `x-otp` must be a fresh one-time code of the bearer's user (a
 * current TOTP code, or the last code sent to a validated EMAIL or SMS channel); provides
 * `VerifiedOtp`. A missing header is `InvalidOtp` saying the header is required; `AuthError` when
 * the bearer idToken itself is refused. Implemented by `layerOtpVerificationRemote` (over a Rampart server).
 */
export class OtpVerification extends HttpApiMiddleware.Service<OtpVerification, { provides: VerifiedOtp }>()(
  "Rampart/OtpVerification",
  {
    error: [InvalidOtp, AttemptsExhausted, NotConfigured, AuthError, InternalError, ServiceUnavailable],
    security: {
      otp: HttpApiSecurity.apiKey({ key: "x-otp", in: "header" }).pipe(
        HttpApiSecurity.annotate(
          OpenApi.Description,
          "A fresh one-time code of the user: a current TOTP code, or the code last sent with GET /auth/otp/code"
        )
      )
    }
  }
) {}
