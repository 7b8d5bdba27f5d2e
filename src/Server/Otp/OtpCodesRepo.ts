/**
 * The repository of the `otp_codes` table: SMS and EMAIL codes, stored only as HMACs, with their
 * lifetime, tries and single use; every statement on it. Callers hold the user's row lock.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as SqlSchema from "@effect/sql/SqlSchema"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { OtpDeliveryChannel } from "../../Domain/Otp.js"
import { Limits } from "../../Domain/Policy.js"
import { dieOnMismatch, Millis } from "../Store/Rows.js"

// The columns of a code that its verification reads.
const CodeRow = Schema.Struct({
  id: Schema.String,
  destination: Schema.String,
  code_hash: Schema.String,
  valid_until: Millis,
  attempts: Millis,
  consumed_at: Schema.NullOr(Millis)
})

const UserChannel = Schema.Struct({ userId: Schema.String, channel: OtpDeliveryChannel })

/** The `otp_codes` table. */
export class OtpCodesRepo extends Effect.Service<OtpCodesRepo>()("Rampart/Server/OtpCodesRepo", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const sendTimes = dieOnMismatch(
      SqlSchema.findAll({
        Request: Schema.Struct({ ...UserChannel.fields, since: Schema.Number }),
        Result: Schema.Struct({ created_at: Millis }),
        execute: ({ channel, since, userId }) =>
          sql`SELECT created_at FROM rampart_otp_codes
            WHERE user_id = ${userId} AND channel = ${channel} AND created_at > ${since}`
      })
    )
    const latest = dieOnMismatch(
      SqlSchema.findOne({
        Request: UserChannel,
        Result: CodeRow,
        execute: ({ channel, userId }) =>
          sql`SELECT id, destination, code_hash, valid_until, attempts, consumed_at FROM rampart_otp_codes
            WHERE user_id = ${userId} AND channel = ${channel} ORDER BY created_at DESC LIMIT 1`
      })
    )

    return {
      /** Deletes up to `limit` codes created before `before` (past the resend window: no rule reads them); how many. */
      prune: (before: number, limit: number) =>
        Effect.map(
          sql<{ readonly id: string }>`DELETE FROM rampart_otp_codes WHERE id IN (
            SELECT id FROM rampart_otp_codes WHERE created_at < ${before} LIMIT ${limit}
          ) RETURNING id`,
          (rows) => rows.length
        ),

      /** The send times (ms) of the user's codes on `channel` created after `since`. */
      sendTimesSince: (userId: string, channel: OtpDeliveryChannel, since: number) =>
        Effect.map(sendTimes({ userId, channel, since }), (rows) => rows.map((row) => row.created_at)),

      /** Stores a new code (its HMAC) sent to `destination` on `channel`, valid until `validUntil`. */
      insert: (code: {
        readonly id: string
        readonly userId: string
        readonly channel: OtpDeliveryChannel
        readonly destination: string
        readonly codeHash: string
        readonly now: number
        readonly validUntil: number
      }) =>
        sql`INSERT INTO rampart_otp_codes (id, user_id, channel, destination, code_hash, created_at, valid_until)
            VALUES (${code.id}, ${code.userId}, ${code.channel}, ${code.destination},
                    ${code.codeHash}, ${code.now}, ${code.validUntil})`.pipe(Effect.asVoid),

      /** The code last sent to the user on `channel`, if any. */
      findLatest: (userId: string, channel: OtpDeliveryChannel) => latest({ userId, channel }),

      /** Spends one of a code's tries (never beyond `Limits.codeMaxAttempts`). */
      spendAttempt: (id: string) =>
        sql`UPDATE rampart_otp_codes SET attempts = attempts + 1
            WHERE id = ${id} AND attempts < ${Limits.codeMaxAttempts}`.pipe(Effect.asVoid),

      /** Marks a code used at `now` if it is still live then; true when this caller consumed it. */
      consume: (id: string, now: number) =>
        Effect.map(
          sql`UPDATE rampart_otp_codes SET consumed_at = ${now}
              WHERE id = ${id} AND consumed_at IS NULL AND attempts < ${Limits.codeMaxAttempts}
                AND valid_until > ${now}
              RETURNING id`,
          (rows) => rows.length === 1
        )
    }
  })
}) {}
