/** Emptying the store (`POST /sandbox/reset`): every table of the migrations, children before parents. */
import type * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"

/** The tables holding accounts, codes, tokens, sessions, messages and events, in deletion order. */
const TABLES = [
  "rampart_security_events",
  "rampart_outbox",
  "rampart_partner_sessions",
  "rampart_partner_clients",
  "rampart_otp_codes",
  "rampart_refresh_tokens",
  "rampart_users"
] as const

/** Deletes every row of every data table of `sql` (the schema and the migrations table stay). */
export const wipeStore = (sql: SqlClient.SqlClient) =>
  Effect.forEach(TABLES, (table) => sql`DELETE FROM ${sql(table)}`, { discard: true })
