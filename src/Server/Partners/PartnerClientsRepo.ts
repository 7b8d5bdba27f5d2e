/**
 * The repository of the `partner_clients` table: its row schema, its row lock, its login-failure
 * counter (10 / 15-minute rule per `client_id`) and every statement on it.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as SqlSchema from "@effect/sql/SqlSchema"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { failureCounter } from "../Store/Counters.js"
import { dieOnMismatch, Millis, rowByKey, UserIdColumn } from "../Store/Rows.js"

const ClientRow = Schema.Struct({
  client_id: Millis,
  user_id: UserIdColumn,
  secret_hash: Schema.String,
  failures: Millis,
  locked_until: Schema.NullOr(Millis)
})

const NewClient = Schema.Struct({ userId: Schema.String, secretHash: Schema.String, now: Schema.Number })

/** The `partner_clients` table. */
export class PartnerClientsRepo extends Effect.Service<PartnerClientsRepo>()("Rampart/Server/PartnerClientsRepo", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const counter = failureCounter(sql, {
      table: "rampart_partner_clients",
      key: "client_id",
      failures: "failures",
      lockedUntil: "locked_until"
    })
    const insertReturningId = dieOnMismatch(
      SqlSchema.single({
        Request: NewClient,
        Result: Schema.Struct({ client_id: Millis }),
        execute: (client) =>
          sql`INSERT INTO rampart_partner_clients (user_id, secret_hash, created_at)
            VALUES (${client.userId}, ${client.secretHash}, ${client.now}) RETURNING client_id`
      })
    )

    const clientsOf = dieOnMismatch(
      SqlSchema.findAll({
        Request: Schema.Array(Schema.String),
        Result: Schema.Struct({ client_id: Millis, user_id: UserIdColumn }),
        execute: (userIds) =>
          userIds.length === 0
            ? sql`SELECT client_id, user_id FROM rampart_partner_clients WHERE 1 = 0`
            : sql`SELECT client_id, user_id FROM rampart_partner_clients WHERE ${
              sql.in("user_id", userIds)
            } ORDER BY client_id`
      })
    )

    return {
      /** The client ids of these users, by user id. */
      clientsOf,

      /** The client with this id, locked for the rest of the transaction on PostgreSQL when asked. */
      findById: rowByKey(sql, {
        table: "rampart_partner_clients",
        key: "client_id",
        Key: Schema.Number,
        Row: ClientRow
      }),

      /** Inserts a client under a new id; the id. */
      insert: (client: typeof NewClient.Type) =>
        Effect.map(
          Effect.catchTag(insertReturningId(client), "NoSuchElementException", Effect.die),
          (row) => row.client_id
        ),

      /** Inserts client `clientId` (a known id); false, and nothing written, when that id is taken. */
      restore: (clientId: number, client: typeof NewClient.Type) =>
        Effect.gen(function*() {
          const rows = yield* sql`INSERT INTO rampart_partner_clients (client_id, user_id, secret_hash, created_at)
              VALUES (${clientId}, ${client.userId}, ${client.secretHash}, ${client.now})
              ON CONFLICT (client_id) DO NOTHING RETURNING client_id`
          if (rows.length === 0) return false
          // PostgreSQL's identity sequence does not see explicit ids: move it past this one.
          yield* sql.onDialectOrElse({
            pg: () =>
              sql`SELECT setval(pg_get_serial_sequence('rampart_partner_clients', 'client_id'), (SELECT MAX(client_id) FROM rampart_partner_clients))`
                .pipe(
                  Effect.asVoid
                ),
            orElse: () => Effect.void
          })
          return true
        }),

      /** One more login failure for a client (not while locked); at the threshold the client locks (true). */
      recordFailure: counter.recordFailure,

      /** Clears a client's failure count after a successful login. */
      resetFailures: counter.resetFailures
    }
  })
}) {}
