/** Handlers of the `otp` group: thin calls into `OtpMethods` and `OtpChallenges`. */
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as Effect from "effect/Effect"
import { RampartApi } from "../../Api/RampartApi.js"
import { CurrentUser } from "../../Api/Security.js"
import { toE164 } from "../../Domain/Phone.js"
import { OtpChallenges } from "../Otp/OtpChallenges.js"
import { OtpMethods } from "../Otp/OtpMethods.js"
import { StepUp } from "../Otp/StepUp.js"
import { forAnyApi } from "./AnyApi.js"
import { boundary } from "./Boundary.js"

/** `/auth/otp/methods/*` and `/auth/otp/code`. */
export const layerOtpHttp = forAnyApi(HttpApiBuilder.group(RampartApi, "otp", (handlers) =>
  Effect.gen(function*() {
    const methods = yield* OtpMethods
    const challenges = yield* OtpChallenges
    const stepUp = yield* StepUp
    return handlers
      .handle("addSmsMethod", ({ payload }) =>
        Effect.flatMap(CurrentUser, (user) =>
          boundary(
            // The payload schema has already checked the phone against its country.
            Effect.orDieWith(toE164(payload.phone, payload.country), (message) => new Error(message)).pipe(
              Effect.flatMap((e164) => methods.addSms(user.userId, e164))
            )
          )))
      .handle(
        "createTotpSecret",
        () => Effect.flatMap(CurrentUser, (user) => boundary(methods.createTotp(user.userId)))
      )
      .handle(
        "deleteTotpSecret",
        ({ headers }) =>
          Effect.flatMap(CurrentUser, (user) => boundary(methods.deleteTotp(user.userId, headers["x-otp"])))
      )
      .handle(
        "requestCode",
        ({ urlParams }) =>
          Effect.flatMap(CurrentUser, (user) => boundary(challenges.request(user.userId, urlParams.method)))
      )
      .handle(
        "verifyCode",
        ({ headers, payload }) =>
          Effect.flatMap(CurrentUser, (user) =>
            boundary(challenges.verify(user.userId, payload.channel, headers["x-otp"])))
      )
      .handle(
        "stepUp",
        ({ headers }) =>
          Effect.flatMap(CurrentUser, (user) => boundary(stepUp.verify(user.userId, headers["x-otp"])))
      )
  })))
