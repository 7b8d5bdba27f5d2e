/**
 * Bearer security of the contract: the Criptan idToken and the KriptoAPI partner access token, each
 * a middleware that provides who the request acts for or fails with `AuthError`.
 */
import * as HttpApiMiddleware from "@effect/platform/HttpApiMiddleware"
import * as HttpApiSecurity from "@effect/platform/HttpApiSecurity"
import * as OpenApi from "@effect/platform/OpenApi"
import * as Context from "effect/Context"
import * as Schema from "effect/Schema"
import { AuthError, InternalError } from "../Domain/Errors.js"
import type { AuthenticatedPartner, AuthenticatedUser } from "../Domain/Identity.js"

/** The user behind the request's idToken. */
export class CurrentUser extends Context.Tag("Rampart/CurrentUser")<CurrentUser, AuthenticatedUser>() {}

/** The partner session behind the request's access token. */
export class CurrentPartner extends Context.Tag("Rampart/CurrentPartner")<CurrentPartner, AuthenticatedPartner>() {}

/** Bearer idToken (EdDSA JWT) security for the Criptan endpoints. */
export class UserAuthentication extends HttpApiMiddleware.Tag<UserAuthentication>()("Rampart/UserAuthentication", {
  failure: Schema.Union(AuthError, InternalError),
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
    failure: Schema.Union(AuthError, InternalError),
    provides: CurrentPartner,
    security: {
      partnerToken: HttpApiSecurity.bearer.pipe(
        HttpApiSecurity.annotate(OpenApi.Description, "The access_token from POST /api/v1/partners/auth/login")
      )
    }
  }
) {}
