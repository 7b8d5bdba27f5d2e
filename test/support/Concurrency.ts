/**
 * Helpers for the concurrency tests: real-time TOTP codes for HTTP tests, a tally of answers by
 * status and `_tag`, and a count of table rows through a running server's store.
 */
import { SqlClient } from "@effect/sql"
import { Effect, Either } from "effect"
import { totpAt } from "../../src/Totp.js"
import type { Answer } from "./Http.js"
import type { RunningServer } from "./Server.js"

/** The code of `secret` at the wall-clock time shifted by `offsetSteps` periods of 30 s. */
export const totpWall = (secret: string, offsetSteps = 0) =>
  Either.getOrThrow(totpAt(secret, Math.floor(Date.now() / 1000) + 30 * offsetSteps))

/** A 6-digit code that differs from `code`. */
export const otherCode = (code: string, by = 500_000) => String((Number(code) + by) % 1_000_000).padStart(6, "0")

/** `{ "200": 1, "401 InvalidOtp": 9 }`-style tally of answers. */
export const tally = (answers: ReadonlyArray<Answer>): Record<string, number> => {
  const counts: Record<string, number> = {}
  for (const answer of answers) {
    const tag = typeof answer.body === "object" && answer.body !== null && "_tag" in answer.body
      ? ` ${answer.body._tag}`
      : ""
    const key = answer.status < 300 ? String(answer.status) : `${answer.status}${tag}`
    counts[key] = (counts[key] ?? 0) + 1
  }
  return counts
}

/** Runs a query through a running server's store. */
export const query = <A extends object = Record<string, unknown>>(
  server: RunningServer,
  run: (sql: SqlClient.SqlClient) => Effect.Effect<ReadonlyArray<A>, unknown>
) => server.runtime.runPromise(Effect.flatMap(SqlClient.SqlClient, run))

/** The number of rows of `table` (optionally where `column` = `value`). */
export const countRows = async (
  server: RunningServer,
  table: string,
  where?: readonly [column: string, value: string | number]
) => {
  const rows = await query<{ n: unknown }>(server, (sql) =>
    where === undefined
      ? sql`SELECT COUNT(*) AS n FROM ${sql(table)}`
      : sql`SELECT COUNT(*) AS n FROM ${sql(table)} WHERE ${sql(where[0])} = ${where[1]}`)
  return Number(rows[0]!.n)
}
