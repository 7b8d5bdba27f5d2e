/**
 * The repository of the `partner_sessions` table: sessions opened by partner logins, found by the
 * HMAC of their access token, revoked by session id.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as SqlSchema from "@effect/sql/SqlSchema"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { dieOnMismatch, Millis, UserIdColumn } from "../Store/Rows.js"

// A session is looked up by its token's HMAC, live at a given time.
const TokenAt = Schema.Struct({ tokenHash: Schema.String, now: Schema.Number })

/** The `partner_sessions` table. */
export class PartnerSessionsRepo extends Effect.Service<PartnerSessionsRepo>()("Rampart/Server/PartnerSessionsRepo", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const findLive = dieOnMismatch(
      SqlSchema.findOne({
        Request: TokenAt,
        Result: Schema.Struct({ session_id: Schema.String, client_id: Millis, user_id: UserIdColumn }),
        execute: ({ now, tokenHash }) =>
          sql`SELECT session_id, client_id, user_id FROM rampart_partner_sessions
            WHERE token_hash = ${tokenHash} AND revoked_at IS NULL AND expires_at > ${now}`
      })
    )

    const revoke = dieOnMismatch(
      SqlSchema.findOne({
        Request: Schema.Struct({ sessionId: Schema.String, now: Schema.Number }),
        Result: Schema.Struct({ client_id: Millis, user_id: UserIdColumn }),
        execute: ({ now, sessionId }) =>
          sql`UPDATE rampart_partner_sessions SET revoked_at = ${now}
            WHERE session_id = ${sessionId} AND revoked_at IS NULL RETURNING client_id, user_id`
      })
    )

    return {
      /** Deletes up to `limit` sessions expired or revoked by `now`; how many. */
      prune: (now: number, limit: number) =>
        Effect.map(
          sql<{ readonly token_hash: string }>`DELETE FROM rampart_partner_sessions WHERE token_hash IN (
            SELECT token_hash FROM rampart_partner_sessions WHERE expires_at <= ${now} OR revoked_at IS NOT NULL LIMIT ${limit}
          ) RETURNING token_hash`,
          (rows) => rows.length
        ),

      /** Stores a new session of `clientId` for `userId`, created `now`. */
      insert: (session: {
        readonly tokenHash: string
        readonly sessionId: string
        readonly clientId: number
        readonly userId: string
        readonly now: number
        readonly expiresAt: number
      }) =>
        sql`INSERT INTO rampart_partner_sessions (token_hash, session_id, client_id, user_id, created_at, expires_at)
            VALUES (${session.tokenHash}, ${session.sessionId}, ${session.clientId},
                    ${session.userId}, ${session.now}, ${session.expiresAt})`.pipe(Effect.asVoid),

      /** The session of this token hash if it is neither revoked nor expired at `now`. */
      findLive: (tokenHash: string, now: number) => findLive({ tokenHash, now }),

      /** Revokes a session at `now` (idempotent); its client and user when this call revoked it. */
      revoke: (sessionId: string, now: number) => revoke({ sessionId, now })
    }
  })
}) {}
