/**
 * The contract's `OtpVerification` (step-up) middleware for an Effect 4 service that talks to a
 * Rampart server: each request's own `Authorization` bearer and `x-otp` are sent to the server's
 * `POST /auth/otp/verify`, whose typed answer becomes `VerifiedOtp` or the request's refusal
 * (`InvalidOtp`, `AttemptsExhausted`, `NotConfigured`, `AuthError`). The server checks the idToken
 * itself, so the middleware works whether or not it runs after `UserAuthentication`.
 */
import { INTERNAL_ERROR_MESSAGE, isOtpCode, REFUSED_TOKEN_MESSAGE, UNREACHABLE_MESSAGE } from "#shared/ClientRules.js"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as HttpApiClient from "effect/http-api/HttpApiClient"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { RampartApi } from "../Api/RampartApi.js"
import { OtpVerification, VerifiedOtp } from "../Api/Security.js"
import { AuthError, InternalError, ServiceUnavailable } from "../Domain/Errors.js"
import { otpHeaderRefusal } from "../Domain/Otp.js"
import { AuthClient } from "./AuthClient.js"

/** The `Authorization` header of the request being served, sent along with its step-up. */
const ForwardedAuthorization = Context.Reference<string>("Rampart/ForwardedAuthorization", { defaultValue: () => "" })

const internalError = () => Effect.fail(new InternalError({ message: INTERNAL_ERROR_MESSAGE }))

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
          Effect.service(ForwardedAuthorization),
          (authorization) => HttpClientRequest.setHeader(request, "authorization", authorization)
        ))
    })
    return {
      otp: (httpEffect, { credential }) =>
        Effect.gen(function*() {
          const request = yield* HttpServerRequest.HttpServerRequest
          const authorization = request.headers["authorization"] ?? ""
          if (authorization === "") return yield* new AuthError({ message: REFUSED_TOKEN_MESSAGE })
          const code = Redacted.value(credential)
          if (!isOtpCode(code)) return yield* otpHeaderRefusal(code !== "")
          const proof = yield* otp.stepUp({ headers: { "x-otp": code } }).pipe(
            Effect.provideService(ForwardedAuthorization, authorization),
            Effect.catchTags({
              // The server refused the header itself (not 6 digits): a bad code, answered as one.
              HttpApiDecodeError: () => Effect.fail(otpHeaderRefusal(true)),
              SchemaError: internalError,
              // The Rampart server could not be reached: the step-up cannot be checked now.
              HttpClientError: (error) =>
                error.reason._tag === "TransportError"
                  ? Effect.fail(new ServiceUnavailable({ message: UNREACHABLE_MESSAGE }))
                  : internalError()
            })
          )
          return yield* Effect.provideService(httpEffect, VerifiedOtp, proof)
        })
    }
  })
)
