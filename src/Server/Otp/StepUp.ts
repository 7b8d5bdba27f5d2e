/**
 * Step-up: a fresh one-time code before a sensitive operation (a withdrawal, a change of payout
 * address), as Criptan's own sensitive calls take `x-otp`. A step-up consumes one code of a channel
 * the user has already validated: a current TOTP code (single use: a step at or before the last
 * accepted one is refused, atomically), or the last code sent with `GET /auth/otp/code` to a
 * validated EMAIL address or phone (the same code store as enrolment: single use, 5 tries, 5
 * minutes, stored as an HMAC). It spends the account-wide verification budget and publishes
 * `stepup.verified` (with the channel used) or `stepup.refused`. A malformed code is refused
 * before anything is tried: it spends nothing.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { InvalidOtp, NotConfigured } from "../../Domain/Errors.js"
import type { UserId } from "../../Domain/Identity.js"
import { isOtpCode, type OtpChannel, type OtpDeliveryChannel, StepUpProof } from "../../Domain/Otp.js"
import { traced } from "../../internal/Spans.js"
import { type UserRow, UsersRepo } from "../Accounts/UsersRepo.js"
import { SecurityEvents } from "../Events/SecurityEvents.js"
import { ownStoreService, transactOn } from "../Store/Transaction.js"
import { OtpCodes } from "./OtpCodes.js"
import { hasTotpSecret, UserTotp } from "./UserTotp.js"
import { VerificationBudget } from "./VerificationBudget.js"

/** The validated channels of `user` that can carry a step-up code: its TOTP secret, and where sent codes go. */
const validatedChannels = (user: UserRow) => ({
  totp: hasTotpSecret(user) && user.totp_verified_at !== null,
  sent: [
    ...(user.email_verified_at !== null ? [{ channel: "EMAIL" as OtpDeliveryChannel, destination: user.email }] : []),
    ...(user.phone !== null && user.phone_verified_at !== null
      ? [{ channel: "SMS" as OtpDeliveryChannel, destination: user.phone }]
      : [])
  ]
})

/** Step-up verification of a user's validated channels. */
export class StepUp extends Effect.Service<StepUp>()("Rampart/Server/StepUp", {
  effect: Effect.gen(function*() {
    // The store this service was built on: never a SqlClient of the caller's context.
    const sql = yield* SqlClient.SqlClient
    const transact = transactOn(sql)
    const users = yield* UsersRepo
    const codes = yield* OtpCodes
    const userTotp = yield* UserTotp
    const budget = yield* VerificationBudget
    const events = yield* SecurityEvents

    /** The channel whose code `code` is: TOTP first (when validated), then the codes sent to validated channels. */
    const match = (user: UserRow, code: string, channels: ReturnType<typeof validatedChannels>) =>
      Effect.gen(function*() {
        if (channels.totp && hasTotpSecret(user)) {
          const totp = yield* Effect.either(userTotp.verify(user, code))
          if (totp._tag === "Right") return "TOTP" satisfies OtpChannel
        }
        if (channels.sent.length > 0) return yield* codes.consumeAny(user, channels.sent, code)
        return yield* new InvalidOtp({ message: "OTP is not valid" })
      })

    /**
     * Consumes `code` as a step-up of `userId`: `StepUpProof` names the channel used. `InvalidOtp`
     * for a wrong, used, expired or malformed code; `AttemptsExhausted` while the verification
     * budget is locked; `NotConfigured` when no validated channel can carry a code; `AuthError`
     * when the user is gone or blocked.
     */
    const verify = (userId: UserId, code: string) =>
      transact(
        Effect.gen(function*() {
          if (!isOtpCode(code)) {
            return yield* new InvalidOtp({ message: "The one-time code must be exactly 6 digits" })
          }
          const user = yield* users.requireActive(userId, true)
          const channels = validatedChannels(user)
          if (!channels.totp && channels.sent.length === 0) {
            return yield* new NotConfigured({
              message: "No validated channel can carry a step-up code: validate TOTP, EMAIL or SMS first"
            })
          }
          const channel = yield* budget.budgeted(user, match(user, code, channels))
          yield* events.about({ channel })
          // Built from checked values, so not validated again: with a date field, Effect's class constructor
          // compiles a new validator on every call (~15–60 µs); the HTTP encoder still checks every answer.
          return new StepUpProof({ channel, verifiedAt: new Date(yield* Clock.currentTimeMillis) }, true)
        })
      ).pipe(
        events.reporting({ userId, succeeded: "stepup.verified", refused: "stepup.refused" }),
        traced("StepUp.verify")
      )

    return ownStoreService(sql, { verify })
  }),
  dependencies: [UsersRepo.Default, OtpCodes.Default, UserTotp.Default, VerificationBudget.Default]
}) {}
