/**
 * Checks a TOTP code against a user's sealed secret and makes it single-use: the matched step must
 * be ahead of the last accepted one, and moving it forward is one conditional UPDATE. A code
 * refused only because its step was already used (RFC 6238 §5.2) notes `totp.replayed`.
 */
import * as Effect from "effect/Effect"
import type * as Redacted from "effect/Redacted"
import { InvalidOtp } from "../../Domain/Errors.js"
import { traced } from "../../internal/Spans.js"
import { Totp } from "../../Totp.js"
import { type UserRow, UsersRepo } from "../Accounts/UsersRepo.js"
import { SecretBox } from "../Crypto/SecretBox.js"
import { SecurityEvents } from "../Events/SecurityEvents.js"

/** The additional data that binds a sealed TOTP secret to its user. */
export const totpAad = (userId: string) => `totp:${userId}`

/** A user row with a (sealed) TOTP secret. */
export type UserWithTotp = UserRow & { readonly totp_secret: string }

/** Whether the user has a TOTP secret: the one home of that rule; each caller decides how a missing one is refused. */
export const hasTotpSecret = (user: UserRow): user is UserWithTotp => user.totp_secret !== null

/** TOTP verification of users' secrets with replay protection. */
export class UserTotp extends Effect.Service<UserTotp>()("Rampart/Server/UserTotp", {
  effect: Effect.gen(function*() {
    const users = yield* UsersRepo
    const box = yield* SecretBox
    const totp = yield* Totp
    const events = yield* SecurityEvents

    const replayed = (user: UserRow) => events.note({ type: "totp.replayed", userId: user.id, channel: "TOTP" })

    /**
     * Whether a code refused against `lastStep` matches a step of the current window anyway — one
     * at or before `lastStep`, already used: a replay rather than a wrong code. Only on refusals.
     */
    const isReplay = (secret: Redacted.Redacted<string>, code: string, lastStep: number | null) =>
      lastStep === null
        ? Effect.succeed(false)
        : Effect.match(totp.verify({ secret, code }), { onFailure: () => false, onSuccess: (step) => step <= lastStep })

    /** The accepted time step of `code` for `user`, or `InvalidOtp` (wrong, outside the window, or reused). */
    const verify = (user: UserWithTotp, code: string) =>
      Effect.gen(function*() {
        const secret = yield* Effect.orDie(box.open(user.totp_secret, totpAad(user.id)))
        const step = yield* totp.verify({ secret, code, afterStep: user.totp_last_step }).pipe(
          Effect.tapErrorTag("InvalidOtp", () =>
            Effect.flatMap(
              isReplay(secret, code, user.totp_last_step),
              (replay) => (replay ? replayed(user) : Effect.void)
            )),
          Effect.catchTag("TotpFormatError", () => new InvalidOtp({ message: "OTP is not valid" }))
        )
        const won = yield* users.advanceTotpStep(user.id, step)
        // Lost to a concurrent request that used this step (or a later one): a replay too.
        if (!won) {
          return yield* Effect.zipRight(replayed(user), new InvalidOtp({ message: "OTP is not valid" }))
        }
        return step
      }).pipe(traced("UserTotp.verify"))

    return { verify }
  }),
  dependencies: [UsersRepo.Default]
}) {}
