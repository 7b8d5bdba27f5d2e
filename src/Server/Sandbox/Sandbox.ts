/**
 * Sandbox conveniences: create users and partners without any real sign-up, and read the codes the
 * sandbox "delivered" to an email address or phone.
 */
import { SqlClient } from "@effect/sql"
import { Clock, Effect, Redacted, Schema } from "effect"
import { SecretBox } from "../../Crypto/SecretBox.js"
import type { UserId } from "../../Domain/Identity.js"
import { OutboxMessage, PartnerCredentials } from "../../Domain/Sandbox.js"
import { Totp } from "../../Totp.js"
import { Accounts, normaliseEmail } from "../Auth/Accounts.js"
import { outboxAad } from "../Otp/Delivery.js"
import { totpAad } from "../Otp/UserTotp.js"
import { Partners } from "../Partners/Partners.js"
import { transact } from "../Store/Transaction.js"
import { UsersRepo } from "../Users/UsersRepo.js"
import { decodeRows, Millis } from "../Store/Rows.js"
import { traced } from "../../Spans.js"

const OutboxRow = Schema.Struct({
  channel: Schema.Literal("EMAIL", "SMS"),
  destination: Schema.String,
  sealed_code: Schema.String,
  sent_at: Millis
})

/** The sandbox's account factory and outbox reader. */
export class Sandbox extends Effect.Service<Sandbox>()("Rampart/Server/Sandbox", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const accounts = yield* Accounts
    const partners = yield* Partners
    const users = yield* UsersRepo
    const totp = yield* Totp
    const box = yield* SecretBox

    /** Creates a partner: a user with a validated TOTP secret and a client credential. */
    const createPartner = (email: string, password: Redacted.Redacted<string>) =>
      transact(
        Effect.gen(function* () {
          yield* accounts.createUser(email, password)
          const user = yield* Effect.orDie(Effect.flatten(users.findByEmail(normaliseEmail(email))))
          const secret = yield* totp.generateSecret
          const now = yield* Clock.currentTimeMillis
          yield* users.setValidatedTotpSecret(user.id, yield* box.seal(Redacted.make(secret), totpAad(user.id)), now)
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
        const rows = yield* sql`SELECT channel, destination, sealed_code, sent_at FROM outbox
            WHERE destination = ${destination} ORDER BY sent_at DESC, id DESC LIMIT 100`.pipe(
          Effect.flatMap(decodeRows(OutboxRow))
        )
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

    return { createUser: accounts.createUser, createPartner, outbox }
  }),
  dependencies: [Accounts.Default, Partners.Default, UsersRepo.Default]
}) {}
