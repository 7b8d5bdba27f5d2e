/**
 * The contract's `OtpVerification` (step-up) middleware for a service that talks to a Rampart
 * server: each request's own `Authorization` bearer and `x-otp` are sent to the server's
 * `POST /auth/otp/verify`, whose typed answer becomes `VerifiedOtp` or the request's refusal
 * (`InvalidOtp`, `AttemptsExhausted`, `NotConfigured`, `AuthError`). The server checks the idToken
 * itself, so the middleware works whether or not it runs after `UserAuthentication`.
 */
import * as HttpApiClient from "@effect/platform/HttpApiClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { RampartApi } from "../Api/RampartApi.js"
import { OtpVerification } from "../Api/Security.js"
import { AuthError, InternalError, ServiceUnavailable } from "../Domain/Errors.js"
import { isOtpCode, otpHeaderRefusal } from "../Domain/Otp.js"
import { INTERNAL_ERROR_MESSAGE, REFUSED_TOKEN_MESSAGE, UNREACHABLE_MESSAGE } from "../Shared/ClientRules.js"
import { AuthClient } from "./AuthClient.js"

const internalError = () => new InternalError({ message: INTERNAL_ERROR_MESSAGE })

/** The `Authorization` header of the request being served, sent along with its step-up. */
const forwardedAuthorization = FiberRef.unsafeMake("")

/** `OtpVerification` over the Rampart server of `AuthClient` (`POST /auth/otp/verify` with the caller's bearer). */
export const layerOtpVerificationRemote: Layer.Layer<OtpVerification, never, AuthClient> = Layer.effect(
  OtpVerification,
  Effect.gen(function*() {
    const { baseUrl, httpClient } = yield* AuthClient
    // Built once; each call carries the served request's Authorization header.
    const otp = yield* HttpApiClient.group(RampartApi, {
      group: "otp",
      baseUrl,
      httpClient: HttpClient.mapRequestEffect(httpClient, (request) =>
        Effect.map(
          FiberRef.get(forwardedAuthorization),
          (authorization) => HttpClientRequest.setHeader(request, "authorization", authorization)
        ))
    })
    return {
      otp: (code: Redacted.Redacted<string>) =>
        Effect.gen(function*() {
          const request = yield* HttpServerRequest.HttpServerRequest
          const authorization = request.headers["authorization"] ?? ""
          if (authorization === "") return yield* new AuthError({ message: REFUSED_TOKEN_MESSAGE })
          if (!isOtpCode(Redacted.value(code))) return yield* otpHeaderRefusal(Redacted.value(code) !== "")
          return yield* otp.stepUp({ headers: { "x-otp": Redacted.value(code) } }).pipe(
            Effect.locally(forwardedAuthorization, authorization),
            Effect.catchTags({
              // The server refused the header itself (not 6 digits): a bad code, answered as one.
              HttpApiDecodeError: () => otpHeaderRefusal(true),
              ParseError: internalError,
              // The Rampart server could not be reached: the step-up cannot be checked now.
              RequestError: () => new ServiceUnavailable({ message: UNREACHABLE_MESSAGE }),
              ResponseError: internalError
            })
          )
        })
    }
  })
)
