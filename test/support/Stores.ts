/**
 * The stores every repository-level test runs on: SQLite always (a fresh file), PostgreSQL when
 * `RAMPART_TEST_DATABASE_URL` is set (a fresh database per call, so tests never share state).
 */
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createPostgresDatabase } from "../../bench/lib/PostgresDatabases.js"

/** The PostgreSQL server for tests, when configured. */
export const testPostgresUrl = process.env["RAMPART_TEST_DATABASE_URL"]

/** A fresh SQLite database URL in a new temporary directory. */
export const freshSqliteUrl = (): string => `sqlite:${join(mkdtempSync(join(tmpdir(), "rampart-")), "rampart.db")}`

/** A fresh, empty PostgreSQL database on the test server; its URL. */
export const freshPostgresUrl = async (): Promise<string> => {
  if (testPostgresUrl === undefined) throw new Error("RAMPART_TEST_DATABASE_URL is not set")
  return (await createPostgresDatabase(testPostgresUrl, "rampart_t")).url
}

/** The store kinds to run a suite on, with a factory for a fresh database URL of each. */
export const storeKinds: ReadonlyArray<readonly [kind: "sqlite" | "postgres", fresh: () => Promise<string>]> = [
  ["sqlite", async () => freshSqliteUrl()],
  ...(testPostgresUrl !== undefined ? [["postgres", freshPostgresUrl] as const] : [])
]
