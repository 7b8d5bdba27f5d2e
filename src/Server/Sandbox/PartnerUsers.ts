/**
 * A partner's account before its client credential: a new user whose TOTP secret is already
 * validated. Shared by `Sandbox.createPartner` and the seeding of a declared partner.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { normaliseEmail } from "../../Domain/Email.js"
import { Accounts } from "../Accounts/Accounts.js"
import { UsersRepo } from "../Accounts/UsersRepo.js"
import { SecretBox } from "../Crypto/SecretBox.js"
import { totpAad } from "../Otp/UserTotp.js"

/** Creates partner users (a user with a validated TOTP secret). */
export class PartnerUsers extends Effect.Service<PartnerUsers>()("Rampart/Server/PartnerUsers", {
  effect: Effect.gen(function*() {
    const accounts = yield* Accounts
    const users = yield* UsersRepo
    const box = yield* SecretBox

    /** A new user `email` whose TOTP secret `secret` is already validated; `AlreadyConfigured` when the email is taken. */
    const create = (email: string, password: Redacted.Redacted<string>, secret: string) =>
      Effect.gen(function*() {
        yield* accounts.createUser(email, password)
        const user = yield* Effect.orDie(Effect.flatten(users.findByEmail(normaliseEmail(email))))
        const now = yield* Clock.currentTimeMillis
        yield* users.setValidatedTotpSecret(user.id, yield* box.seal(Redacted.make(secret), totpAad(user.id)), now)
        return user
      })

    return { create }
  }),
  dependencies: [Accounts.Default, UsersRepo.Default]
}) {}
