/**
 * The repository of the `refresh_tokens` table: opaque refresh tokens stored only as HMACs, with
 * their owner and lifetime; the lookup of a live token joins its user's email and status.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as SqlSchema from "@effect/sql/SqlSchema"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { rawOr } from "../Store/RawRun.js"
import { dieOnMismatch, Millis, UserIdColumn } from "../Store/Rows.js"

/** A live token's row: its user, the user's email and status, and the login time. */
const LiveTokenRow = Schema.Struct({
  user_id: UserIdColumn,
  email: Schema.String,
  status: Schema.String,
  auth_at: Millis
})

/** `findLive`'s statement as the SQLite client prepares it (positional parameters). */
const rawFindLive = `SELECT r.user_id, u.email, u.status, COALESCE(r.auth_at, r.created_at) AS auth_at
  FROM rampart_refresh_tokens r JOIN rampart_users u ON u.id = r.user_id
  WHERE r.token_hash = ? AND r.revoked_at IS NULL AND r.expires_at > ?`

/** The `refresh_tokens` table. */
export class RefreshTokensRepo extends Effect.Service<RefreshTokensRepo>()("Rampart/Server/RefreshTokensRepo", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    // Built once: its request encoder and row decoder are compiled here, not per refresh.
    const findLive = dieOnMismatch(
      SqlSchema.findOne({
        Request: Schema.Struct({ tokenHash: Schema.String, now: Schema.Number }),
        Result: LiveTokenRow,
        // auth_at is null for tokens issued before it was recorded: their creation was their login.
        execute: ({ now, tokenHash }) =>
          sql`SELECT r.user_id, u.email, u.status, COALESCE(r.auth_at, r.created_at) AS auth_at FROM rampart_refresh_tokens r
            JOIN rampart_users u ON u.id = r.user_id
            WHERE r.token_hash = ${tokenHash} AND r.revoked_at IS NULL AND r.expires_at > ${now}`
      })
    )
    const decodeLive = Schema.decodeUnknownSync(LiveTokenRow)

    return {
      /** Deletes up to `limit` tokens past their lifetime or revoked; how many. */
      prune: (now: number, limit: number) =>
        Effect.map(
          sql<{ readonly token_hash: string }>`DELETE FROM rampart_refresh_tokens WHERE token_hash IN (
            SELECT token_hash FROM rampart_refresh_tokens WHERE expires_at <= ${now} OR revoked_at IS NOT NULL LIMIT ${limit}
          ) RETURNING token_hash`,
          (rows) => rows.length
        ),

      /** Revokes `userId`'s live tokens beyond the `keep` newest, at `now`. */
      revokeBeyond: (userId: string, keep: number, now: number) =>
        sql`UPDATE rampart_refresh_tokens SET revoked_at = ${now}
          WHERE user_id = ${userId} AND revoked_at IS NULL AND token_hash NOT IN (
            SELECT token_hash FROM rampart_refresh_tokens WHERE user_id = ${userId} AND revoked_at IS NULL
            ORDER BY created_at DESC, token_hash LIMIT ${keep}
          )`.pipe(Effect.asVoid),

      /** Stores a new refresh token of `userId`, created `now` by a password login (its `auth_at`). */
      insert: (
        token: { readonly tokenHash: string; readonly userId: string; readonly now: number; readonly expiresAt: number }
      ) =>
        sql`INSERT INTO rampart_refresh_tokens (token_hash, user_id, created_at, expires_at, auth_at)
            VALUES (${token.tokenHash}, ${token.userId}, ${token.now}, ${token.expiresAt}, ${token.now})`.pipe(
          Effect.asVoid
        ),

      /** The user (id, email, status) and login time (`auth_at`) behind this token hash if the token is neither revoked nor expired at `now`. */
      findLive: (tokenHash: string, now: number) =>
        // On Rampart's SQLite client the lookup runs at once (RawRun.ts); a row that does not match is a defect, as above.
        rawOr(
          sql,
          (raw) => {
            const found = raw.get(rawFindLive, [tokenHash, now])
            return found === undefined
              ? undefined
              : { value: found.row === undefined ? Option.none() : Option.some(decodeLive(found.row)) }
          },
          () => findLive({ tokenHash, now })
        )
    }
  })
}) {}
