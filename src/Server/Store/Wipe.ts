/** Emptying the store (`POST /sandbox/reset`): every table of the migrations, children before parents. */
import type * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"

/** The tables holding accounts, codes, tokens, sessions, messages and events, in deletion order. */
const TABLES = [
  "security_events",
  "outbox",
  "partner_sessions",
  "partner_clients",
  "otp_codes",
  "refresh_tokens",
  "users"
] as const

/** Deletes every row of every data table of `sql` (the schema and the migrations table stay). */
export const wipeStore = (sql: SqlClient.SqlClient) =>
  Effect.forEach(TABLES, (table) => sql`DELETE FROM ${sql(table)}`, { discard: true })
