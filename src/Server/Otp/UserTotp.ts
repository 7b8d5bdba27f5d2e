/**
 * Checks a TOTP code against a user's sealed secret and makes it single-use: the matched step must
 * be ahead of the last accepted one, and moving it forward is one conditional UPDATE.
 */
import * as Effect from "effect/Effect"
import { InvalidOtp } from "../../Domain/Errors.js"
import { SecretBox } from "../../Crypto/SecretBox.js"
import { Totp } from "../../Totp.js"
import { type UserRow, UsersRepo } from "../Users/UsersRepo.js"
import { traced } from "../../Spans.js"

/** The additional data that binds a sealed TOTP secret to its user. */
export const totpAad = (userId: string) => `totp:${userId}`

/** A user row with a (sealed) TOTP secret. */
export type UserWithTotp = UserRow & { readonly totp_secret: string }

/** Whether the user has a TOTP secret: the one home of that rule; each caller decides how a missing one is refused. */
export const hasTotpSecret = (user: UserRow): user is UserWithTotp => user.totp_secret !== null

/** TOTP verification of users' secrets with replay protection. */
export class UserTotp extends Effect.Service<UserTotp>()("Rampart/Server/UserTotp", {
  effect: Effect.gen(function* () {
    const users = yield* UsersRepo
    const box = yield* SecretBox
    const totp = yield* Totp

    /** The accepted time step of `code` for `user`, or `InvalidOtp` (wrong, outside the window, or reused). */
    const verify = (user: UserWithTotp, code: string) =>
      Effect.gen(function* () {
        const secret = yield* Effect.orDie(box.open(user.totp_secret, totpAad(user.id)))
        const step = yield* totp.verify({ secret, code, afterStep: user.totp_last_step }).pipe(
          Effect.catchTag("TotpFormatError", () => new InvalidOtp({ message: "OTP is not valid" }))
        )
        const won = yield* users.advanceTotpStep(user.id, step)
        if (!won) return yield* new InvalidOtp({ message: "OTP is not valid" })
        return step
      }).pipe(traced("UserTotp.verify"))

    return { verify }
  }),
  dependencies: [UsersRepo.Default]
}) {}
