/**
 * The stores every repository-level test runs on: SQLite always (a fresh file), PostgreSQL when
 * `RAMPART_TEST_DATABASE_URL` is set (a fresh database per call, so tests never share state).
 */
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import pg from "pg"

/** The PostgreSQL server for tests, when configured. */
export const testPostgresUrl = process.env["RAMPART_TEST_DATABASE_URL"]

/** A fresh SQLite database URL in a new temporary directory. */
export const freshSqliteUrl = (): string => `sqlite:${join(mkdtempSync(join(tmpdir(), "rampart-")), "rampart.db")}`

/** Creates an empty database named `<prefix>_<time>_<random>` on the server at `adminUrl`; its URL and name. */
export const createPostgresDatabase = async (adminUrl: string, prefix: string): Promise<{ url: string; name: string }> => {
  const name = `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`
  await onPostgres(adminUrl, `CREATE DATABASE ${name}`)
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return { url: url.toString(), name }
}

/** Drops database `name` on the server at `adminUrl`, closing its connections. */
export const dropPostgresDatabase = (adminUrl: string, name: string): Promise<void> =>
  onPostgres(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)

/** Runs one statement on its own connection to `url`. */
const onPostgres = async (url: string, statement: string): Promise<void> => {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(statement)
  } finally {
    await client.end()
  }
}

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
