/**
 * The account-wide verification budget: 10 consecutive failed OTP / TOTP / security-code checks
 * lock verification for 15 minutes (noted as `otp.locked`); a success clears the count; asking
 * for codes does not.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { AttemptsExhausted, type InvalidOtp } from "../../Domain/Errors.js"
import { lockRemaining } from "../../Domain/Policy.js"
import { traced } from "../../internal/Spans.js"
import { type UserRow, UsersRepo } from "../Accounts/UsersRepo.js"
import { SecurityEvents } from "../Events/SecurityEvents.js"

/** The account-wide verification budget: guards and records verification attempts against a user's lock. */
export class VerificationBudget extends Effect.Service<VerificationBudget>()("Rampart/Server/VerificationBudget", {
  effect: Effect.gen(function*() {
    const users = yield* UsersRepo
    const events = yield* SecurityEvents

    /** Fails with `AttemptsExhausted` while the user's verification lock is in force. */
    const ensureOpen = (user: UserRow) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const wait = lockRemaining(user.otp_locked_until, now)
        return wait === undefined
          ? Effect.void
          : Effect.fail(
            new AttemptsExhausted({
              message: "Too many failed verifications; try again later",
              retryAfterSeconds: wait
            })
          )
      })

    /**
     * Runs one verification for `user` (already locked in the current transaction): refused while
     * locked; a failing `check` counts against the budget (the failure that locks notes
     * `otp.locked`), a passing one clears it.
     */
    const budgeted = <A, E extends { readonly _tag: string }, R>(
      user: UserRow,
      check: Effect.Effect<A, E | InvalidOtp, R>
    ) =>
      Effect.zipRight(
        ensureOpen(user),
        check.pipe(
          Effect.tapError(() =>
            Clock.currentTimeMillis.pipe(
              Effect.flatMap((now) => users.recordFailure(user.id, "otp", now)),
              Effect.flatMap((locked) => (locked ? events.note({ type: "otp.locked", userId: user.id }) : Effect.void))
            )
          ),
          // The row is locked by this transaction: a count it read as zero is still zero, nothing to clear.
          Effect.tap(() => user.otp_failures === 0 ? Effect.void : users.resetFailures(user.id, "otp"))
        )
      ).pipe(traced("VerificationBudget.budgeted"))

    return { ensureOpen, budgeted }
  }),
  dependencies: [UsersRepo.Default]
}) {}
