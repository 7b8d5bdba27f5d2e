/**
 * The repository of the sandbox `outbox` table: codes "delivered" by the sandbox, sealed to their
 * destination; written by the outbox sender, read by `GET /sandbox/outbox`.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as SqlSchema from "@effect/sql/SqlSchema"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { OtpDeliveryChannel } from "../../Domain/Otp.js"
import { dieOnMismatch, Millis } from "../Store/Rows.js"

/** A row of `outbox` as it is read. */
const OutboxRow = Schema.Struct({
  channel: OtpDeliveryChannel,
  destination: Schema.String,
  sealed_code: Schema.String,
  sent_at: Millis
})

/** The `outbox` table. */
export class OutboxRepo extends Effect.Service<OutboxRepo>()("Rampart/Server/OutboxRepo", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const latestTo = dieOnMismatch(
      SqlSchema.findAll({
        Request: Schema.String,
        Result: OutboxRow,
        execute: (destination) =>
          sql`SELECT channel, destination, sealed_code, sent_at FROM rampart_outbox
            WHERE destination = ${destination} ORDER BY sent_at DESC, id DESC LIMIT 100`
      })
    )

    const latest = dieOnMismatch(
      SqlSchema.findAll({
        Request: Schema.Void,
        Result: OutboxRow,
        execute: () =>
          sql`SELECT channel, destination, sealed_code, sent_at FROM rampart_outbox ORDER BY sent_at DESC, id DESC LIMIT 100`
      })
    )

    return {
      /** Deletes up to `limit` messages sent before `before`; how many. */
      prune: (before: number, limit: number) =>
        Effect.map(
          sql<{ readonly id: string }>`DELETE FROM rampart_outbox WHERE id IN (
            SELECT id FROM rampart_outbox WHERE sent_at < ${before} LIMIT ${limit}
          ) RETURNING id`,
          (rows) => rows.length
        ),

      /** The last 100 codes delivered to anyone, newest first. */
      latest: () => latest(undefined),

      /** Stores a code delivered to `destination` at `sentAt`, sealed (within the caller's transaction). */
      insert: (message: {
        readonly id: string
        readonly channel: OtpDeliveryChannel
        readonly destination: string
        readonly sealedCode: string
        readonly sentAt: number
      }) =>
        sql`INSERT INTO rampart_outbox (id, channel, destination, sealed_code, sent_at)
            VALUES (${message.id}, ${message.channel}, ${message.destination}, ${message.sealedCode}, ${message.sentAt})`
          .pipe(
            Effect.asVoid
          ),

      /** The last 100 codes delivered to `destination`, newest first. */
      latestTo
    }
  })
}) {}
