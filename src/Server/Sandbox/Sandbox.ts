/**
 * Sandbox conveniences: create users and partners without any real sign-up, list them with their
 * TOTP codes, read the codes the sandbox "delivered", and empty the store for a reset.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { Passwords } from "../../Crypto/Passwords.js"
import { SecretBox } from "../../Crypto/SecretBox.js"
import { AlreadyConfigured } from "../../Domain/Errors.js"
import type { UserId } from "../../Domain/Identity.js"
import { OutboxMessage, PartnerCredentials, SandboxAccounts, SandboxUser, TotpCard } from "../../Domain/Sandbox.js"
import { Totp } from "../../Totp.js"
import { normaliseEmail } from "../../Domain/Email.js"
import { Accounts } from "../Auth/Accounts.js"
import { outboxAad } from "../Otp/Delivery.js"
import { OutboxRepo } from "../Otp/OutboxRepo.js"
import { totpAad } from "../Otp/UserTotp.js"
import { Partners } from "../Partners/Partners.js"
import { PartnerClientsRepo } from "../Partners/PartnerClientsRepo.js"
import { transact } from "../Store/Transaction.js"
import { wipeStore } from "../Store/Wipe.js"
import { qrSvg } from "./QrCode.js"
import { SandboxClock } from "./SandboxClock.js"
import { type UserRow, UsersRepo } from "../Users/UsersRepo.js"
import { traced } from "../../Spans.js"

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

/** The most users `GET /sandbox/accounts` lists. */
export const MAX_LISTED_ACCOUNTS = 200

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
    const clientsRepo = yield* PartnerClientsRepo
    const sandboxClock = yield* SandboxClock

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
        Effect.gen(function* () {
          const outcome = yield* ensureUser(email, password)
          const user = yield* Effect.orDie(Effect.flatten(users.findByEmail(normaliseEmail(email))))
          const now = yield* Clock.currentTimeMillis
          if (extras.totpSecret !== undefined) {
            if (user.totp_secret === null || user.totp_verified_at === null) {
              yield* users.setValidatedTotpSecret(user.id, yield* box.seal(Redacted.make(extras.totpSecret), totpAad(user.id)), now)
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
      ).pipe(traced("Sandbox.ensureSeedUser"))

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

    /** Creates a partner: a user with a validated TOTP secret (`totpSecret`, normalised base32, or a new one) and a client credential. */
    const createPartner = (email: string, password: Redacted.Redacted<string>, totpSecret?: string) =>
      transact(
        Effect.gen(function* () {
          const secret = totpSecret ?? (yield* totp.generateSecret)
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

    /** Codes delivered to `to` (email or E.164 phone), or to anyone without it; newest first. */
    const outbox = (to: string | undefined) =>
      Effect.gen(function* () {
        const rows =
          to === undefined
            ? yield* outboxRepo.latest()
            : yield* outboxRepo.latestTo(to.includes("@") ? normaliseEmail(to) : to.trim())
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

    /** A TOTP secret as the page shows it: its code at (sandbox) `Clock` time, its URI and QR code. */
    const totpCard = (user: UserRow, sealed: string) =>
      Effect.gen(function* () {
        const secret = Redacted.value(yield* Effect.orDie(box.open(sealed, totpAad(user.id))))
        const uri = totp.keyUri({ secret, account: user.email, issuer: "Rampart" })
        return new TotpCard({ secret, uri, code: yield* Effect.orDie(totp.generate(secret)), qrSvg: yield* qrSvg(uri) })
      })

    /** The newest users (at most `MAX_LISTED_ACCOUNTS`), each with its TOTP card and client ids. */
    const listAccounts = Effect.gen(function* () {
      const rows = yield* users.newest(MAX_LISTED_ACCOUNTS)
      const clients = yield* clientsRepo.clientsOf(rows.map((row) => row.id))
      const listed = yield* Effect.forEach(rows, (row) =>
        Effect.map(row.totp_secret === null ? Effect.succeed(null) : totpCard(row, row.totp_secret), (card) =>
          new SandboxUser({
            id: row.id,
            email: row.email,
            phone: row.phone_verified_at === null ? null : row.phone,
            totp: card,
            clientIds: clients.filter((client) => client.user_id === row.id).map((client) => client.client_id)
          })
        )
      )
      return new SandboxAccounts({ now: new Date(yield* Clock.currentTimeMillis), users: listed })
    })

    /** Empties the store (accounts, codes, tokens, sessions, outbox, events) and puts the clock offset back to 0. */
    const wipe = transact(Effect.zipRight(wipeStore, sandboxClock.resetOffset)).pipe(traced("Sandbox.wipe"))

    return { createUser: accounts.createUser, createPartner, ensureUser, ensureSeedUser, ensurePartner, outbox, listAccounts, wipe }
  }),
  dependencies: [Accounts.Default, Partners.Default, UsersRepo.Default, OutboxRepo.Default, PartnerClientsRepo.Default, SandboxClock.Default]
}) {}
