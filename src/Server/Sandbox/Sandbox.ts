/**
 * Sandbox conveniences: create users and partners without any real sign-up, list them with their
 * TOTP codes, read the codes the sandbox "delivered", and empty the store for a reset.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { normaliseEmail } from "../../Domain/Email.js"
import { OutboxMessage, PartnerCredentials, SandboxAccounts, SandboxUser, TotpCard } from "../../Domain/Sandbox.js"
import { traced } from "../../internal/Spans.js"
import { Totp } from "../../Totp.js"
import { Accounts } from "../Accounts/Accounts.js"
import { type UserRow, UsersRepo } from "../Accounts/UsersRepo.js"
import { SecretBox } from "../Crypto/SecretBox.js"
import { outboxAad } from "../Otp/Delivery.js"
import { OutboxRepo } from "../Otp/OutboxRepo.js"
import { totpAad } from "../Otp/UserTotp.js"
import { PartnerClientsRepo } from "../Partners/PartnerClientsRepo.js"
import { Partners } from "../Partners/Partners.js"
import { ownStoreService, transactOn } from "../Store/Transaction.js"
import { wipeStore } from "../Store/Wipe.js"
import { PartnerUsers } from "./PartnerUsers.js"
import { qrSvg } from "./QrCode.js"
import { SandboxClock } from "./SandboxClock.js"

/** The most users `GET /sandbox/accounts` lists. */
export const MAX_LISTED_ACCOUNTS = 200

/** The sandbox's account factory and outbox reader. */
export class Sandbox extends Effect.Service<Sandbox>()("Rampart/Server/Sandbox", {
  effect: Effect.gen(function*() {
    // The store this service was built on: never a SqlClient of the caller's context.
    const sql = yield* SqlClient.SqlClient
    const transact = transactOn(sql)
    const outboxRepo = yield* OutboxRepo
    const accounts = yield* Accounts
    const partners = yield* Partners
    const users = yield* UsersRepo
    const totp = yield* Totp
    const box = yield* SecretBox
    const partnerUsers = yield* PartnerUsers
    const clientsRepo = yield* PartnerClientsRepo
    const sandboxClock = yield* SandboxClock

    /** Creates a partner: a user with a validated TOTP secret (`totpSecret`, normalised base32, or a new one) and a client credential. */
    const createPartner = (email: string, password: Redacted.Redacted<string>, totpSecret?: string) =>
      transact(
        Effect.gen(function*() {
          const secret = totpSecret ?? (yield* totp.generateSecret)
          const user = yield* partnerUsers.create(email, password, secret)
          const client = yield* partners.createClient(user.id)
          return new PartnerCredentials({
            client_id: client.clientId,
            client_secret: Redacted.value(client.clientSecret),
            totp_secret: secret,
            totp_uri: totp.keyUri({ secret, account: user.email })
          })
        })
      ).pipe(traced("Sandbox.createPartner"))

    /** Codes delivered to `to` (email or E.164 phone), or to anyone without it; newest first. */
    const outbox = (to: string | undefined) =>
      Effect.gen(function*() {
        const rows = to === undefined
          ? yield* outboxRepo.latest()
          : yield* outboxRepo.latestTo(to.includes("@") ? normaliseEmail(to) : to.trim())
        return yield* Effect.forEach(rows, (row) =>
          Effect.map(Effect.orDie(box.open(row.sealed_code, outboxAad(row.destination))), (code) =>
            new OutboxMessage({
              channel: row.channel,
              to: row.destination,
              code: Redacted.value(code),
              sentAt: new Date(row.sent_at)
            })))
      })

    /** A TOTP secret as the page shows it: its code at (sandbox) `Clock` time, its URI and QR code. */
    const totpCard = (user: UserRow, sealed: string) =>
      Effect.gen(function*() {
        const secret = Redacted.value(yield* Effect.orDie(box.open(sealed, totpAad(user.id))))
        const uri = totp.keyUri({ secret, account: user.email })
        return new TotpCard({ secret, uri, code: yield* Effect.orDie(totp.generate(secret)), qrSvg: yield* qrSvg(uri) })
      })

    /** The newest users (at most `MAX_LISTED_ACCOUNTS`), each with its TOTP card and client ids. */
    const listAccounts = Effect.gen(function*() {
      const rows = yield* users.newest(MAX_LISTED_ACCOUNTS)
      const clients = yield* clientsRepo.clientsOf(rows.map((row) => row.id))
      const listed = yield* Effect.forEach(
        rows,
        (row) =>
          Effect.map(
            row.totp_secret === null ? Effect.succeed(null) : totpCard(row, row.totp_secret),
            (card) =>
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
    const wipe = transact(Effect.zipRight(wipeStore(sql), sandboxClock.resetOffset)).pipe(traced("Sandbox.wipe"))

    return ownStoreService(sql, { createUser: accounts.createUser, createPartner, outbox, listAccounts, wipe })
  }),
  dependencies: [
    Accounts.Default,
    Partners.Default,
    PartnerUsers.Default,
    UsersRepo.Default,
    OutboxRepo.Default,
    PartnerClientsRepo.Default,
    SandboxClock.Default
  ]
}) {}
