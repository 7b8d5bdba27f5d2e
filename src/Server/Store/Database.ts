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

/** The client layer for a parsed target; SQLite's directory is created first. */
const layerClient = (
  target: { kind: "sqlite"; filename: string } | { kind: "postgres"; url: string }
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
          PgClient.layer({ url: Redacted.make(target.url), maxConnections: 20, applicationName: "rampart" })
      )
    )
    : Layer.unwrapEffect(
      Effect.map(
        loadOptionalPackage("better-sqlite3", "The SQLite store", () =>
          import("./SqliteStore.js")),
        (SqliteStore) => {
          if (target.filename === ":memory:") return SqliteStore.layer(target.filename)
          mkdirSync(dirname(target.filename), { recursive: true })
          return SqliteStore.layer(target.filename).pipe(Layer.provideMerge(layerStoreLock(target.filename)))
        }
      )
    )

/** A migrated SqlClient for the given database URL, plus `StoreInfo`. */
export const layerDatabase = (url: string) =>
  Layer.unwrapEffect(
    Effect.map(parseDatabaseUrl(url), (target) =>
      Layer.effectDiscard(migrate).pipe(
        Layer.provideMerge(layerClient(target)),
        Layer.merge(Layer.succeed(StoreInfo, { kind: target.kind }))
      ))
  )
