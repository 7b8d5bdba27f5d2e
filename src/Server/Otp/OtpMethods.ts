/**
 * The user's OTP methods: add an SMS phone (a code is sent to it), create a TOTP secret (sealed at
 * rest, returned once with its otpauth URI), delete the TOTP secret with a current TOTP code.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { AlreadyConfigured, NotConfigured } from "../../Domain/Errors.js"
import type { UserId } from "../../Domain/Identity.js"
import type { E164 } from "../../Domain/Phone.js"
import { TotpEnrollment, TotpSecret } from "../../Domain/Profile.js"
import { traced } from "../../internal/Spans.js"
import { Totp } from "../../Totp.js"
import { toProfile, UsersRepo } from "../Accounts/UsersRepo.js"
import { SecretBox } from "../Crypto/SecretBox.js"
import { SecurityEvents } from "../Events/SecurityEvents.js"
import { ownStoreService, transactOn } from "../Store/Transaction.js"
import { OtpCodes } from "./OtpCodes.js"
import { hasTotpSecret, totpAad, UserTotp } from "./UserTotp.js"
import { VerificationBudget } from "./VerificationBudget.js"

/** Adding, creating and deleting OTP methods. */
export class OtpMethods extends Effect.Service<OtpMethods>()("Rampart/Server/OtpMethods", {
  effect: Effect.gen(function*() {
    // The store this service was built on: never a SqlClient of the caller's context.
    const sql = yield* SqlClient.SqlClient
    const transact = transactOn(sql)
    const users = yield* UsersRepo
    const codes = yield* OtpCodes
    const box = yield* SecretBox
    const totp = yield* Totp
    const userTotp = yield* UserTotp
    const budget = yield* VerificationBudget
    const events = yield* SecurityEvents

    /** Sets the E.164 phone (see `toE164`; replacing an unvalidated one) and sends it a code unless sends are throttled. */
    const addSms = (userId: UserId, e164: E164) =>
      transact(
        Effect.gen(function*() {
          const user = yield* users.requireActive(userId, true)
          if (!(yield* users.setPhone(user.id, e164))) {
            return yield* new AlreadyConfigured({ message: "The user already has a valid SMS phone added" })
          }
          const updated = yield* users.requireActive(userId)
          // A throttled send is not an error here: the phone is saved, the code can be requested later.
          yield* codes.issue(updated, "SMS", e164).pipe(Effect.catchTag("AttemptsExhausted", () => Effect.void))
          return toProfile(updated)
        })
      ).pipe(
        codes.reportingDeliveryFailure(userId, "SMS"),
        events.reporting({ userId, channel: "SMS" }),
        traced("OtpMethods.addSms")
      )

    /** Creates a TOTP secret (replacing an unvalidated one); validate it with a code on channel TOTP. */
    const createTotp = (userId: UserId) =>
      transact(
        Effect.gen(function*() {
          const user = yield* users.requireActive(userId, true)
          const secret = yield* totp.generateSecret
          const sealed = yield* box.seal(Redacted.make(secret), totpAad(user.id))
          if (!(yield* users.setTotpSecret(user.id, sealed))) {
            return yield* new AlreadyConfigured({ message: "The TOTP secret is already configured" })
          }
          const profile = toProfile(yield* users.requireActive(userId))
          const uri = totp.keyUri({ secret, account: user.email })
          // Built from checked values, so not validated again: with a date field, Effect's class constructor
          // compiles a new validator on every call (~15–60 µs); the HTTP encoder still checks every answer.
          return new TotpEnrollment({ ...profile, totp: new TotpSecret({ secret, uri }) }, true)
        })
      ).pipe(events.reporting({ userId, channel: "TOTP", succeeded: "totp.created" }), traced("OtpMethods.createTotp"))

    /** Deletes the TOTP secret; `code` must be a current, unused TOTP code of that secret. */
    const deleteTotp = (userId: UserId, code: string) =>
      transact(
        Effect.gen(function*() {
          const user = yield* users.requireActive(userId, true)
          if (!hasTotpSecret(user)) {
            return yield* new NotConfigured({ message: "User doesn't have a secret configured" })
          }
          yield* budget.budgeted(user, userTotp.verify(user, code))
          yield* users.clearTotpSecret(user.id)
          return toProfile(yield* users.requireActive(userId))
        })
      ).pipe(
        events.reporting({ userId, channel: "TOTP", succeeded: "totp.deleted", refused: "otp.refused" }),
        traced("OtpMethods.deleteTotp")
      )

    return ownStoreService(sql, { addSms, createTotp, deleteTotp })
  }),
  dependencies: [UsersRepo.Default, OtpCodes.Default, UserTotp.Default, VerificationBudget.Default]
}) {}
