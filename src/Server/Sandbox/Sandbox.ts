/**
 * Sandbox conveniences: create users and partners without any real sign-up, and read the codes the
 * sandbox "delivered" to an email address or phone.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { Passwords } from "../../Crypto/Passwords.js"
import { SecretBox } from "../../Crypto/SecretBox.js"
import { AlreadyConfigured } from "../../Domain/Errors.js"
import type { UserId } from "../../Domain/Identity.js"
import { OutboxMessage, PartnerCredentials } from "../../Domain/Sandbox.js"
import { Totp } from "../../Totp.js"
import { normaliseEmail } from "../../Domain/Email.js"
import { Accounts } from "../Auth/Accounts.js"
import { outboxAad } from "../Otp/Delivery.js"
import { OutboxRepo } from "../Otp/OutboxRepo.js"
import { totpAad } from "../Otp/UserTotp.js"
import { Partners } from "../Partners/Partners.js"
import { transact } from "../Store/Transaction.js"
import { type UserRow, UsersRepo } from "../Users/UsersRepo.js"
import { traced } from "../../Spans.js"

/** The credentials `demo.json` keeps for the demo partner, besides its email and password. */
export interface GivenPartnerCredentials {
  readonly client_id: number
  readonly client_secret: string
  readonly totp_secret: string
}

/** How an account named in `demo.json` stands in the current store after re-seeding. */
export type SeedOutcome = "created" | "present"

/** The sandbox's account factory and outbox reader. */
export class Sandbox extends Effect.Service<Sandbox>()("Rampart/Server/Sandbox", {
  effect: Effect.gen(function* () {
    const outboxRepo = yield* OutboxRepo
    const accounts = yield* Accounts
    const partners = yield* Partners
    const users = yield* UsersRepo
    const totp = yield* Totp
    const box = yield* SecretBox
    const passwords = yield* Passwords

    /** The existing account `email` does not have the given credentials: it is left as it is. */
    const otherCredentials = (email: string) =>
      new AlreadyConfigured({ message: `${normaliseEmail(email)} exists in this store with other credentials` })

    /** Whether an ACTIVE user row has this password (no failure is recorded: this is not a login). */
    const hasPassword = (user: UserRow, password: Redacted.Redacted<string>) =>
      Effect.map(passwords.verify(user.password_hash, password), (check) => check.valid && user.status === "ACTIVE")

    /**
     * Makes sure user `email` exists with `password` (re-seeding `demo.json` into another store):
     * "created" when it was missing, "present" when it matches; `AlreadyConfigured` when the email
     * exists with other credentials (that account is not changed).
     */
    const ensureUser = (email: string, password: Redacted.Redacted<string>) =>
      Effect.gen(function* () {
        const created = yield* accounts.createUser(email, password).pipe(
          Effect.as(true),
          Effect.catchTag("AlreadyConfigured", () => Effect.succeed(false))
        )
        if (created) return "created" satisfies SeedOutcome
        const user = yield* Effect.orDie(Effect.flatten(users.findByEmail(normaliseEmail(email))))
        if (!(yield* hasPassword(user, password))) return yield* otherCredentials(email)
        return "present" satisfies SeedOutcome
      }).pipe(traced("Sandbox.ensureUser"))

    /** A new user `email` whose TOTP secret `secret` is already validated: the partner's account, before its client. */
    const newPartnerUser = (email: string, password: Redacted.Redacted<string>, secret: string) =>
      Effect.gen(function* () {
        yield* accounts.createUser(email, password)
        const user = yield* Effect.orDie(Effect.flatten(users.findByEmail(normaliseEmail(email))))
        const now = yield* Clock.currentTimeMillis
        yield* users.setValidatedTotpSecret(user.id, yield* box.seal(Redacted.make(secret), totpAad(user.id)), now)
        return user
      })

    /**
     * Makes sure partner `email` exists with `password` and exactly the given client id, client
     * secret and validated TOTP secret (re-seeding `demo.json` into another store): "created" when
     * the email was missing, "present" when everything matches; `AlreadyConfigured` when the email
     * exists with other credentials or the client id belongs to someone else (nothing is changed).
     */
    const ensurePartner = (email: string, password: Redacted.Redacted<string>, given: GivenPartnerCredentials) =>
      transact(
        Effect.gen(function* () {
          const clientSecret = Redacted.make(given.client_secret)
          const found = yield* users.findByEmail(normaliseEmail(email))
          if (Option.isSome(found)) {
            const user = found.value
            const totpMatches =
              user.totp_secret !== null &&
              user.totp_verified_at !== null &&
              (yield* box.open(user.totp_secret, totpAad(user.id)).pipe(
                Effect.map((secret) => Redacted.value(secret) === given.totp_secret),
                Effect.orElseSucceed(() => false)
              ))
            const matches =
              totpMatches &&
              (yield* hasPassword(user, password)) &&
              (yield* partners.clientStatus(given.client_id, user.id, clientSecret)) === "matches"
            if (!matches) return yield* otherCredentials(email)
            return "present" satisfies SeedOutcome
          }
          // Checked before anything is written: a domain refusal commits what came before it.
          if ((yield* partners.clientStatus(given.client_id, "", clientSecret)) !== "free") {
            return yield* new AlreadyConfigured({ message: `client_id ${given.client_id} belongs to another account in this store` })
          }
          const user = yield* newPartnerUser(email, password, given.totp_secret)
          if (!(yield* partners.restoreClient(user.id as UserId, given.client_id, clientSecret))) {
            // Taken since the check: undo the user, as a refusal commits.
            yield* users.delete(user.id)
            return yield* new AlreadyConfigured({ message: `client_id ${given.client_id} belongs to another account in this store` })
          }
          return "created" satisfies SeedOutcome
        })
      ).pipe(traced("Sandbox.ensurePartner"))

    /** Creates a partner: a user with a validated TOTP secret and a client credential. */
    const createPartner = (email: string, password: Redacted.Redacted<string>) =>
      transact(
        Effect.gen(function* () {
          const secret = yield* totp.generateSecret
          const user = yield* newPartnerUser(email, password, secret)
          const client = yield* partners.createClient(user.id as UserId)
          return new PartnerCredentials({
            client_id: client.clientId,
            client_secret: Redacted.value(client.clientSecret),
            totp_secret: secret,
            totp_uri: totp.keyUri({ secret, account: user.email, issuer: "Rampart" })
          })
        })
      ).pipe(traced("Sandbox.createPartner"))

    /** Codes delivered to `to` (email or E.164 phone), newest first. */
    const outbox = (to: string) =>
      Effect.gen(function* () {
        const destination = to.includes("@") ? normaliseEmail(to) : to.trim()
        const rows = yield* outboxRepo.latestTo(destination)
        return yield* Effect.forEach(rows, (row) =>
          Effect.map(Effect.orDie(box.open(row.sealed_code, outboxAad(row.destination))), (code) =>
            new OutboxMessage({
              channel: row.channel,
              to: row.destination,
              code: Redacted.value(code),
              sentAt: new Date(row.sent_at)
            })
          )
        )
      })

    return { createUser: accounts.createUser, createPartner, ensureUser, ensurePartner, outbox }
  }),
  dependencies: [Accounts.Default, Partners.Default, UsersRepo.Default, OutboxRepo.Default]
}) {}
