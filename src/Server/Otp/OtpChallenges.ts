/**
 * Requesting a code on a channel (`GET /auth/otp/code`) and verifying a channel with the code in
 * `x-otp` (`POST /auth/otp/code`): EMAIL and SMS consume the code last sent, TOTP validates the
 * secret. Every check runs under the account-wide verification budget.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { AlreadyConfigured, MethodNotAllowed, NotConfigured } from "../../Domain/Errors.js"
import type { UserId } from "../../Domain/Identity.js"
import type { OtpChannel } from "../../Domain/Otp.js"
import { traced } from "../../internal/Spans.js"
import { toProfile, UsersRepo } from "../Accounts/UsersRepo.js"
import { SecurityEvents } from "../Events/SecurityEvents.js"
import { ownStoreService, transactOn } from "../Store/Transaction.js"
import { OtpCodes } from "./OtpCodes.js"
import { hasTotpSecret, UserTotp } from "./UserTotp.js"
import { VerificationBudget } from "./VerificationBudget.js"

/** Code requests and channel verification. */
export class OtpChallenges extends Effect.Service<OtpChallenges>()("Rampart/Server/OtpChallenges", {
  effect: Effect.gen(function*() {
    // The store this service was built on: never a SqlClient of the caller's context.
    const sql = yield* SqlClient.SqlClient
    const transact = transactOn(sql)
    const users = yield* UsersRepo
    const codes = yield* OtpCodes
    const userTotp = yield* UserTotp
    const budget = yield* VerificationBudget
    const events = yield* SecurityEvents

    /** Sends a code by EMAIL (to the account email) or SMS (to the phone on file); `otp.sent` once committed. */
    const request = (userId: UserId, method: OtpChannel) =>
      transact(
        Effect.gen(function*() {
          const user = yield* users.requireActive(userId, true)
          if (method === "TOTP") {
            return yield* new MethodNotAllowed({ message: "A TOTP authenticator cannot receive codes" })
          }
          if (method === "SMS" && user.phone === null) {
            return yield* new MethodNotAllowed({ message: "No phone number is configured for SMS" })
          }
          return yield* codes.issue(user, method, method === "EMAIL" ? user.email : user.phone!)
        })
      ).pipe(
        codes.reportingDeliveryFailure(userId, method),
        events.reporting({ userId, channel: method }),
        traced("OtpChallenges.request", { attributes: { method } })
      )

    /**
     * Verifies `channel` with `code`; the channel must be set up and not yet verified. Publishes
     * `otp.verified` (`totp.validated` for TOTP) or `otp.refused` once the transaction has decided.
     */
    const verify = (userId: UserId, channel: OtpChannel, code: string) =>
      transact(
        Effect.gen(function*() {
          const user = yield* users.requireActive(userId, true)
          // Made only for a refusal (an error captures a stack trace).
          const already = () => new AlreadyConfigured({ message: `${channel} is already verified` })
          switch (channel) {
            case "EMAIL": {
              if (user.email_verified_at !== null) return yield* already()
              yield* budget.budgeted(user, codes.consume(user, "EMAIL", user.email, code))
              break
            }
            case "SMS": {
              if (user.phone === null) return yield* new NotConfigured({ message: "No phone number is configured" })
              if (user.phone_verified_at !== null) return yield* already()
              yield* budget.budgeted(user, codes.consume(user, "SMS", user.phone, code))
              break
            }
            case "TOTP": {
              if (!hasTotpSecret(user)) return yield* new NotConfigured({ message: "No TOTP secret is configured" })
              if (user.totp_verified_at !== null) return yield* already()
              yield* budget.budgeted(user, userTotp.verify(user, code))
              break
            }
          }
          yield* users.markVerified(user.id, channel, yield* Clock.currentTimeMillis)
          return toProfile(yield* users.requireActive(userId))
        })
      ).pipe(
        events.reporting({
          userId,
          channel,
          succeeded: channel === "TOTP" ? "totp.validated" : "otp.verified",
          refused: "otp.refused"
        }),
        traced("OtpChallenges.verify", { attributes: { channel } })
      )

    return ownStoreService(sql, { request, verify })
  }),
  dependencies: [UsersRepo.Default, OtpCodes.Default, UserTotp.Default, VerificationBudget.Default]
}) {}
