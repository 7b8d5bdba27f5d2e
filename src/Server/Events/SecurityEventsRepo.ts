/** The repository of the `security_events` table: the audit trail of `SecurityEvents`, without secrets. */
import * as SqlClient from "@effect/sql/SqlClient"
import * as SqlSchema from "@effect/sql/SqlSchema"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { OtpChannel } from "../../Domain/Otp.js"
import { SecurityEvent, SecurityEventType } from "../../Domain/SecurityEvent.js"
import { groupedOr } from "../Store/RawRun.js"
import { dieOnMismatch, Millis } from "../Store/Rows.js"

/** A `security_events` row. */
const EventRow = Schema.Struct({
  id: Millis,
  at: Millis,
  type: SecurityEventType,
  user_id: Schema.NullOr(Schema.String),
  client_id: Schema.NullOr(Millis),
  channel: Schema.NullOr(OtpChannel),
  ip: Schema.NullOr(Schema.String),
  device: Schema.NullOr(Schema.String),
  reason: Schema.NullOr(Schema.String)
})
type EventRow = typeof EventRow.Type

/** The row as the event it records (absent fields left out). */
export const toEvent = (row: EventRow): SecurityEvent =>
  new SecurityEvent(
    {
      id: row.id,
      at: new Date(row.at),
      type: row.type,
      ...(row.user_id === null ? {} : { userId: row.user_id }),
      ...(row.client_id === null ? {} : { clientId: row.client_id }),
      ...(row.channel === null ? {} : { channel: row.channel }),
      ...(row.ip === null ? {} : { ip: row.ip }),
      ...(row.device === null ? {} : { device: row.device }),
      ...(row.reason === null ? {} : { reason: row.reason })
    },
    // The row comes from typed values or was decoded by `EventRow`: no second validation per event.
    true
  )

/** An event about to be stored: everything but its id. */
export type NewEventRow = Omit<EventRow, "id">

/** The audit row's insert as the SQLite client prepares it (positional parameters). */
const rawInsert = `INSERT INTO rampart_security_events (at, type, user_id, client_id, channel, ip, device, reason)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?)`

/** The `security_events` table. */
export class SecurityEventsRepo extends Effect.Service<SecurityEventsRepo>()("Rampart/Server/SecurityEventsRepo", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    // One plain statement: a Schema round trip per event cost the refresh path more than the row itself.
    const viaStatement = (row: NewEventRow) =>
      Effect.map(
        sql<
          { readonly id: number | string }
        >`INSERT INTO rampart_security_events (at, type, user_id, client_id, channel, ip, device, reason)
            VALUES (${row.at}, ${row.type}, ${row.user_id}, ${row.client_id}, ${row.channel}, ${row.ip}, ${row.device}, ${row.reason})
            RETURNING id`,
        (rows) => Number(rows[0]!.id)
      )
    // On Rampart's SQLite client, outside a transaction (a refresh, a refusal), the row is written
    // without @effect/sql's per-statement path and committed with the other rows of its turn of the
    // event loop, before the caller goes on (docs/benchmarks.md, "The audit row", "Group commit").
    const insert = (row: NewEventRow) =>
      groupedOr(
        sql,
        (raw) =>
          Effect.map(
            raw.grouped(rawInsert, [
              row.at,
              row.type,
              row.user_id,
              row.client_id,
              row.channel,
              row.ip,
              row.device,
              row.reason
            ]),
            (result) => Number(result.lastInsertRowid)
          ),
        () => viaStatement(row)
      )
    const after = dieOnMismatch(
      SqlSchema.findAll({
        Request: Schema.Struct({ after: Schema.Number, limit: Schema.Number }),
        Result: EventRow,
        execute: ({ after, limit }) =>
          sql`SELECT * FROM rampart_security_events WHERE id > ${after} ORDER BY id LIMIT ${limit}`
      })
    )
    return {
      /** Deletes up to `limit` events older than `before` with an id of at most `maxId`; how many. */
      prune: (before: number, maxId: number, limit: number) =>
        Effect.map(
          sql<{ readonly id: unknown }>`DELETE FROM rampart_security_events WHERE id IN (
            SELECT id FROM rampart_security_events WHERE at < ${before} AND id <= ${maxId} ORDER BY id LIMIT ${limit}
          ) RETURNING id`,
          (rows) => rows.length
        ),
      /** Stores an event; its id. */
      insert,
      /** Up to `limit` events with an id greater than `after`, oldest first. */
      after: (afterId: number, limit: number) =>
        Effect.map(after({ after: afterId, limit }), (rows) => rows.map(toEvent))
    }
  })
}) {}
