/**
 * The SQL store behind Rampart: embedded SQLite by default, PostgreSQL for a `postgres://` URL, with
 * the migrations applied when the Layer is built. Each driver is loaded when its store is built,
 * never before: a client-only program loads none, a PostgreSQL server never loads better-sqlite3
 * (`SqliteStore.ts`, Rampart's SQLite client over `@effect/sql`),
 * and the optional `@effect/sql-pg` is needed only for `postgres://` URLs.
 */
import type * as SqlClient from "@effect/sql/SqlClient"
import type * as SqlError from "@effect/sql/SqlError"
import type * as ConfigError from "effect/ConfigError"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { mkdirSync } from "node:fs"
import { dirname } from "node:path"
import { loadOptionalPackage, type MissingDriverError } from "../OptionalPackage.js"
import { migrate } from "./Migrations.js"
import type { StoreInUseError } from "./StoreLock.js"
import { layerStoreLock } from "./StoreLock.js"

/** The kind of store a database URL selects. */
export type StoreKind = "sqlite" | "postgres"

/** A database URL that names neither SQLite nor PostgreSQL. */
export class DatabaseUrlError extends Data.TaggedError("DatabaseUrlError")<{ readonly message: string }> {}

/** A database URL as logs and banners show it: the password (and user) masked. */
export const shownDatabaseUrl = (url: string): string => url.replace(/\/\/[^@]*@/, "//***@")

/** Parses `sqlite:<path>` / `sqlite::memory:` / `postgres://...` into the store it selects. */
export const parseDatabaseUrl = (
  url: string
): Effect.Effect<{ kind: "sqlite"; filename: string } | { kind: "postgres"; url: string }, DatabaseUrlError> => {
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) return Effect.succeed({ kind: "postgres", url })
  if (url.startsWith("sqlite:")) {
    const filename = url.slice("sqlite:".length).replace(/^\/\//, "")
    if (filename.length > 0) return Effect.succeed({ kind: "sqlite", filename })
  }
  return Effect.fail(
    new DatabaseUrlError({
      message: `RAMPART_DATABASE_URL must be sqlite:<file> or postgres://..., got "${shownDatabaseUrl(url)}"`
    })
  )
}

/** Which store is in use, for `/health` and for dialect-specific tuning. */
export class StoreInfo extends Effect.Tag("Rampart/StoreInfo")<StoreInfo, { readonly kind: StoreKind }>() {}

/** How long one store call may take: connecting, waiting for a pooled connection, one statement. */
export const DEFAULT_STORE_TIMEOUT: Duration.Duration = Duration.seconds(5)

/**
 * How long SQLite waits, blocking the event loop, for a lock another program holds on the file
 * (Rampart itself never waits: it is the only process on its file and takes turns on its one connection).
 */
export const SQLITE_BUSY_TIMEOUT_MS = 100

/**
 * `url` with PostgreSQL's `statement_timeout` (the server cancels a statement past `timeout`) and
 * node-postgres's `query_timeout` (the client gives up on a server that does not answer at all,
 * a little later), unless the URL sets them itself.
 */
export const withStatementTimeouts = (url: string, timeout: Duration.Duration): string => {
  const ms = Math.max(1, Math.round(Duration.toMillis(timeout)))
  const parameters = [["statement_timeout", ms], ["query_timeout", ms + 250]] as const
  const missing = parameters.filter(([name]) => !new RegExp(`[?&]${name}=`).test(url))
  if (missing.length === 0) return url
  const query = missing.map(([name, value]) => `${name}=${value}`).join("&")
  return `${url}${url.includes("?") ? "&" : "?"}${query}`
}

/** The client layer for a parsed target; SQLite's directory is created first. */
const layerClient = (
  target: { kind: "sqlite"; filename: string } | { kind: "postgres"; url: string },
  timeout: Duration.Duration
): Layer.Layer<
  SqlClient.SqlClient,
  SqlError.SqlError | ConfigError.ConfigError | MissingDriverError | StoreInUseError
> =>
  target.kind === "postgres"
    ? Layer.unwrapEffect(
      Effect.map(
        loadOptionalPackage("@effect/sql-pg", "A postgres:// RAMPART_DATABASE_URL", () =>
          import("@effect/sql-pg/PgClient")),
        (PgClient) =>
          PgClient.layer({
            url: Redacted.make(withStatementTimeouts(target.url, timeout)),
            // Both connecting and waiting for a free connection of the pool.
            connectTimeout: timeout,
            maxConnections: 20,
            applicationName: "rampart"
          })
      )
    )
    : Layer.unwrapEffect(
      Effect.map(
        loadOptionalPackage("better-sqlite3", "The SQLite store", () =>
          import("./SqliteStore.js")),
        (SqliteStore) => {
          const options = { busyTimeoutMs: SQLITE_BUSY_TIMEOUT_MS }
          if (target.filename === ":memory:") {
            return SqliteStore.layer(target.filename, options)
          }
          mkdirSync(dirname(target.filename), { recursive: true })
          return SqliteStore.layer(target.filename, options).pipe(Layer.provideMerge(layerStoreLock(target.filename)))
        }
      )
    )

/** What bounds the store's calls. */
export interface DatabaseOptions {
  /** One store call at most (connect, acquire, statement); `DEFAULT_STORE_TIMEOUT` by default. */
  readonly timeout?: Duration.Duration | undefined
}

/** A migrated SqlClient for the given database URL, plus `StoreInfo`. */
export const layerDatabase = (url: string, options: DatabaseOptions = {}) =>
  Layer.unwrapEffect(
    Effect.map(parseDatabaseUrl(url), (target) =>
      Layer.effectDiscard(migrate).pipe(
        Layer.provideMerge(layerClient(target, options.timeout ?? DEFAULT_STORE_TIMEOUT)),
        Layer.merge(Layer.succeed(StoreInfo, { kind: target.kind }))
      ))
  )
