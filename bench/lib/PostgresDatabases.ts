/**
 * Throw-away PostgreSQL databases: created empty on a server (from its admin URL) and dropped with
 * their connections. Used by the benchmarks' stores and by test/support/Stores.ts (tests may import
 * from bench/, bench never imports from test/).
 */
import pg from "pg"

/** Creates an empty database named `<prefix>_<time>_<random>` on the server at `adminUrl`; its URL and name. */
export const createPostgresDatabase = async (
  adminUrl: string,
  prefix: string
): Promise<{ url: string; name: string }> => {
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
