/**
 * SMS and EMAIL one-time codes: issue (6 CSPRNG digits, valid 5 minutes, stored only as an HMAC,
 * spaced 60 s and at most 5 an hour per channel) and verify (single use, 5 tries per code, under
 * the account-wide budget).
 */
import type * as SqlError from "@effect/sql/SqlError"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { randomUUID } from "node:crypto"
import { AttemptsExhausted, InvalidOtp } from "../../Domain/Errors.js"
import type { OtpChannel, OtpDeliveryChannel } from "../../Domain/Otp.js"
import { OtpCodeStatus } from "../../Domain/Otp.js"
import { codeIsLive, Limits, resendWait } from "../../Domain/Policy.js"
import { traced } from "../../internal/Spans.js"
import { type UserRow } from "../Accounts/UsersRepo.js"
import { Hmac } from "../Crypto/Hmac.js"
import { RandomTokens } from "../Crypto/RandomTokens.js"
import { SecurityEvents } from "../Events/SecurityEvents.js"
import { DeliveryError, OtpSender } from "./Delivery.js"
import { OtpCodesRepo } from "./OtpCodesRepo.js"

/** Issues and verifies delivered codes; callers hold the user's row lock (a transaction). */
export class OtpCodes extends Effect.Service<OtpCodes>()("Rampart/Server/OtpCodes", {
  effect: Effect.gen(function*() {
    const repo = yield* OtpCodesRepo
    const hmac = yield* Hmac
    const random = yield* RandomTokens
    const sender = yield* OtpSender
    const events = yield* SecurityEvents

    /** Seconds to wait before another send on this channel, or none. */
    const throttle = (userId: string, channel: OtpDeliveryChannel, now: number) =>
      Effect.map(
        repo.sendTimesSince(userId, channel, now - Limits.sendWindowMs),
        (sent) => Option.fromNullable(resendWait(sent, now))
      )

    /** Sends a new code to `destination` (noting `otp.sent`), or fails with `AttemptsExhausted` when sends are throttled. */
    const issue = (user: UserRow, channel: OtpDeliveryChannel, destination: string) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const wait = yield* throttle(user.id, channel, now)
        if (Option.isSome(wait)) {
          return yield* new AttemptsExhausted({
            message: `Too many ${channel} codes requested; wait before requesting another`,
            retryAfterSeconds: wait.value
          })
        }
        const code = yield* random.otpCode()
        const validUntil = now + Limits.codeTtlMs
        yield* repo.insert({
          id: randomUUID(),
          userId: user.id,
          channel,
          destination,
          codeHash: hmac.digest("otp-code", code),
          now,
          validUntil
        })
        // A failed delivery is a `DeliveryError` that rolls the caller's transaction (and the code row) back.
        yield* sender.send({ channel, to: destination, code: Redacted.make(code) })
        yield* events.note({ type: "otp.sent", userId: user.id, channel })
        const validated = channel === "EMAIL" ? user.email_verified_at !== null : user.phone_verified_at !== null
        // Built from checked values, so not validated again: with a date field, Effect's class constructor
        // compiles a new validator on every call (~15–60 µs); the HTTP encoder still checks every answer.
        return new OtpCodeStatus({ validUntil: new Date(validUntil), channel, validated }, true)
      }).pipe(traced("OtpCodes.issue", { attributes: { channel } }))

    /**
     * Consumes the live code last sent on one of `candidates` (a channel and the destination it must
     * have gone to) that `code` matches; its channel. When none matches, every live candidate code
     * spends one of its 5 tries (the guess was tried against each) and the answer is `InvalidOtp`.
     */
    const consumeAny = (
      user: UserRow,
      candidates: ReadonlyArray<{ readonly channel: OtpDeliveryChannel; readonly destination: string }>,
      code: string
    ) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const digest = hmac.digest("otp-code", code)
        const live: Array<{ readonly id: string; readonly channel: OtpDeliveryChannel; readonly matches: boolean }> = []
        for (const { channel, destination } of candidates) {
          const last = Option.getOrUndefined(yield* repo.findLatest(user.id, channel))
          if (
            last !== undefined && last.destination === destination &&
            codeIsLive({ consumedAt: last.consumed_at, validUntil: last.valid_until, attempts: last.attempts }, now)
          ) live.push({ id: last.id, channel, matches: hmac.equals(last.code_hash, digest) })
        }
        const match = live.find((candidate) => candidate.matches)
        if (match !== undefined && (yield* repo.consume(match.id, now))) return match.channel
        if (match === undefined) {
          yield* Effect.forEach(live, (candidate) => repo.spendAttempt(candidate.id), { discard: true })
        }
        return yield* new InvalidOtp({ message: "OTP is not valid" })
      }).pipe(traced("OtpCodes.consume"))

    /** Consumes the code last sent on `channel` to `destination` if `code` matches; `InvalidOtp` otherwise. */
    const consume = (user: UserRow, channel: OtpDeliveryChannel, destination: string, code: string) =>
      Effect.asVoid(consumeAny(user, [{ channel, destination }], code))

    /**
     * `self` (a transaction that issues a code) with a failed delivery published as
     * `otp.delivery_failed` after the rollback, so the stored event outlives the code it reports.
     */
    const reportingDeliveryFailure =
      (userId: string, channel: OtpChannel) =>
      <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | SqlError.SqlError, R> =>
        Effect.tapError(self, (error) =>
          error instanceof DeliveryError
            ? events.publish({ type: "otp.delivery_failed", userId, channel, reason: error.message })
            : Effect.void)

    return { issue, consume, consumeAny, reportingDeliveryFailure }
  }),
  dependencies: [OtpCodesRepo.Default]
}) {}
