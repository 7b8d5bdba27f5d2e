/**
 * Applying a seed: the steps that make sure a declared user or partner exists with exactly its
 * credentials, creating what the store lacks and leaving an account with other credentials as it
 * is (reported, not changed). Start and `POST /sandbox/reset` apply the plan of `SeedPlan.ts`
 * through them, for the seed file (`SeedFile.ts`) and the demo accounts (`DemoAccounts.ts`).
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { normaliseEmail } from "../../Domain/Email.js"
import { AlreadyConfigured } from "../../Domain/Errors.js"
import { traced } from "../../internal/Spans.js"
import { Accounts } from "../Accounts/Accounts.js"
import { type UserRow, UsersRepo } from "../Accounts/UsersRepo.js"
import { Passwords } from "../Crypto/Passwords.js"
import { SecretBox } from "../Crypto/SecretBox.js"
import { totpAad } from "../Otp/UserTotp.js"
import { Partners } from "../Partners/Partners.js"
import { transactOn } from "../Store/Transaction.js"
import { PartnerUsers } from "./PartnerUsers.js"
import type { SeedFile } from "./SeedFile.js"

/** The credentials `demo.json` keeps for the demo partner, besides its email and password. */
export interface GivenPartnerCredentials {
  readonly client_id: number
  readonly client_secret: string
  readonly totp_secret: string
}

/**
 * A seeding step's outcome as a value: `Right` created/present, `Left` the reason when the account
 * exists with other credentials (`AlreadyConfigured`); a store failure is not hidden.
 */
export const seedOutcome = <E, R>(
  seeding: Effect.Effect<SeedOutcome, E | AlreadyConfigured, R>
): Effect.Effect<Either.Either<SeedOutcome, string>, Exclude<E, AlreadyConfigured>, R> =>
  seeding.pipe(
    Effect.map((seeded) => Either.right<SeedOutcome>(seeded)),
    Effect.catchIf(
      (error): error is AlreadyConfigured => error instanceof AlreadyConfigured,
      (error) => Effect.succeed(Either.left(error.message))
    )
  ) as Effect.Effect<Either.Either<SeedOutcome, string>, Exclude<E, AlreadyConfigured>, R>

/** How an account named in `demo.json` stands in the current store after re-seeding. */
export type SeedOutcome = "created" | "present"

/** How one seeded account stands: its email and outcome, or why it was left alone. */
export interface SeededAccount {
  readonly kind: "user" | "partner"
  readonly email: string
  readonly outcome: Either.Either<SeedOutcome, string>
}

/** The seeding steps over the store. */
export class Seeding extends Effect.Service<Seeding>()("Rampart/Server/Seeding", {
  effect: Effect.gen(function*() {
    // The store this service was built on: never a SqlClient of the caller's context.
    const transact = transactOn(yield* SqlClient.SqlClient)
    const accounts = yield* Accounts
    const partners = yield* Partners
    const users = yield* UsersRepo
    const box = yield* SecretBox
    const passwords = yield* Passwords
    const partnerUsers = yield* PartnerUsers

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
      Effect.gen(function*() {
        const created = yield* accounts.createUser(email, password).pipe(
          Effect.as(true),
          Effect.catchTag("AlreadyConfigured", () => Effect.succeed(false))
        )
        if (created) return "created" satisfies SeedOutcome
        const user = yield* Effect.orDie(Effect.flatten(users.findByEmail(normaliseEmail(email))))
        if (!(yield* hasPassword(user, password))) return yield* otherCredentials(email)
        return "present" satisfies SeedOutcome
      }).pipe(traced("Seeding.ensureUser"))

    /**
     * Makes sure user `email` exists with `password` and, when given, a validated TOTP secret and
     * a validated phone (a seed file's user): what is missing is added; an account with other
     * credentials, another validated secret or phone is `AlreadyConfigured` and left as it is.
     */
    const ensureSeedUser = (
      email: string,
      password: Redacted.Redacted<string>,
      extras: { readonly totpSecret?: string | undefined; readonly phone?: string | undefined }
    ) =>
      transact(
        Effect.gen(function*() {
          const outcome = yield* ensureUser(email, password)
          const user = yield* Effect.orDie(Effect.flatten(users.findByEmail(normaliseEmail(email))))
          const now = yield* Clock.currentTimeMillis
          if (extras.totpSecret !== undefined) {
            if (user.totp_secret === null || user.totp_verified_at === null) {
              yield* users.setValidatedTotpSecret(
                user.id,
                yield* box.seal(Redacted.make(extras.totpSecret), totpAad(user.id)),
                now
              )
            } else {
              const current = yield* Effect.orDie(box.open(user.totp_secret, totpAad(user.id)))
              if (Redacted.value(current) !== extras.totpSecret) return yield* otherCredentials(email)
            }
          }
          if (extras.phone !== undefined) {
            if (user.phone_verified_at === null) {
              yield* users.setPhone(user.id, extras.phone)
              yield* users.markVerified(user.id, "SMS", now)
            } else if (user.phone !== extras.phone) return yield* otherCredentials(email)
          }
          return outcome
        })
      ).pipe(traced("Seeding.ensureSeedUser"))

    /**
     * Makes sure partner `email` exists with `password` and exactly the given client id, client
     * secret and validated TOTP secret (re-seeding `demo.json` into another store): "created" when
     * the email was missing, "present" when everything matches; `AlreadyConfigured` when the email
     * exists with other credentials or the client id belongs to someone else (nothing is changed).
     */
    const ensurePartner = (email: string, password: Redacted.Redacted<string>, given: GivenPartnerCredentials) =>
      transact(
        Effect.gen(function*() {
          const clientSecret = Redacted.make(given.client_secret)
          const found = yield* users.findByEmail(normaliseEmail(email))
          if (Option.isSome(found)) {
            const user = found.value
            const totpMatches = user.totp_secret !== null &&
              user.totp_verified_at !== null &&
              (yield* box.open(user.totp_secret, totpAad(user.id)).pipe(
                Effect.map((secret) => Redacted.value(secret) === given.totp_secret),
                Effect.orElseSucceed(() => false)
              ))
            const matches = totpMatches &&
              (yield* hasPassword(user, password)) &&
              (yield* partners.clientStatus(given.client_id, user.id, clientSecret)) === "matches"
            if (!matches) return yield* otherCredentials(email)
            return "present" satisfies SeedOutcome
          }
          // Checked before anything is written: a domain refusal commits what came before it.
          if ((yield* partners.clientStatus(given.client_id, "", clientSecret)) !== "free") {
            return yield* new AlreadyConfigured({
              message: `client_id ${given.client_id} belongs to another account in this store`
            })
          }
          const user = yield* partnerUsers.create(email, password, given.totp_secret)
          if (!(yield* partners.restoreClient(user.id, given.client_id, clientSecret))) {
            // Taken since the check: undo the user, as a refusal commits.
            yield* users.delete(user.id)
            return yield* new AlreadyConfigured({
              message: `client_id ${given.client_id} belongs to another account in this store`
            })
          }
          return "created" satisfies SeedOutcome
        })
      ).pipe(traced("Seeding.ensurePartner"))

    /** Creates what the seed file declares and the store lacks; what happened to each account. */
    const applyFile = (seed: SeedFile) =>
      Effect.gen(function*() {
        const seededUsers = yield* Effect.forEach(seed.users, (user) =>
          Effect.map(
            seedOutcome(ensureSeedUser(user.email, user.password, { totpSecret: user.totp_secret, phone: user.phone })),
            (outcome): SeededAccount => ({ kind: "user", email: user.email, outcome })
          ))
        const seededPartners = yield* Effect.forEach(seed.partners, (partner) =>
          Effect.map(
            seedOutcome(ensurePartner(partner.email, partner.password, partner)),
            (outcome): SeededAccount => ({ kind: "partner", email: partner.email, outcome })
          ))
        return [...seededUsers, ...seededPartners]
      })

    return { ensureUser, ensureSeedUser, ensurePartner, applyFile }
  }),
  dependencies: [PartnerUsers.Default]
}) {}
