/**
 * Criptan password login and idToken refresh.
 */
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "effect/http-api"
import { LoginRequest, LoginResponse, RefreshRequest, RefreshResponse } from "../Domain/Credentials.js"
import { AuthError } from "../Domain/Errors.js"
import { RampartApiErrors } from "./Security.js"
import { documentTransportRefusals } from "./TransportRefusals.js"

/** `/auth/login` and `/auth/login/refresh`. */
export class AuthApi extends HttpApiGroup.make("auth")
  .add(
    HttpApiEndpoint.post("login", "/auth/login", { payload: LoginRequest, success: LoginResponse, error: AuthError })
      .annotate(OpenApi.Summary, "Login with email and password"),
    HttpApiEndpoint.post("refresh", "/auth/login/refresh", {
      payload: RefreshRequest,
      success: RefreshResponse,
      error: AuthError
    }).annotate(OpenApi.Summary, "Refresh the idToken")
  )
  .middleware(RampartApiErrors)
  .annotateMerge(OpenApi.annotations({
    title: "Auth (Criptan)",
    description: "Criptan password login and idToken refresh"
  }))
  .annotateEndpoints(OpenApi.Transform, documentTransportRefusals)
{}
