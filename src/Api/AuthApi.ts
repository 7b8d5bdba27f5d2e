/**
 * Criptan password login and idToken refresh.
 */
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as OpenApi from "@effect/platform/OpenApi"
import { LoginRequest, LoginResponse, RefreshRequest, RefreshResponse } from "../Domain/Credentials.js"
import { AuthError } from "../Domain/Errors.js"
import { documentTransportRefusals } from "./TransportRefusals.js"

/** `/auth/login` and `/auth/login/refresh`. */
export class AuthApi extends HttpApiGroup.make("auth")
  .add(
    HttpApiEndpoint.post("login", "/auth/login")
      .setPayload(LoginRequest)
      .addSuccess(LoginResponse)
      .addError(AuthError)
      .annotate(OpenApi.Summary, "Login with email and password")
  )
  .add(
    HttpApiEndpoint.post("refresh", "/auth/login/refresh")
      .setPayload(RefreshRequest)
      .addSuccess(RefreshResponse)
      .addError(AuthError)
      .annotate(OpenApi.Summary, "Refresh the idToken")
  )
  .annotate(OpenApi.Title, "Auth (Criptan)")
  .annotate(OpenApi.Description, "Criptan password login and idToken refresh")
  .annotateEndpoints(OpenApi.Transform, documentTransportRefusals)
{}
