/**
 * The SQL store behind Rampart: embedded SQLite by default, PostgreSQL for a `postgres://` URL, with
 * the migrations applied when the Layer is built.
 */
import type { SqlClient, SqlError } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { type ConfigError, Data, Effect, Layer, Redacted } from "effect"
import { mkdirSync } from "node:fs"
import { dirname } from "node:path"
import { migrate } from "./Migrations.js"

/** The kind of store a database URL selects. */
export type StoreKind = "sqlite" | "postgres"

/** A database URL that names neither SQLite nor PostgreSQL. */
export class DatabaseUrlError extends Data.TaggedError("DatabaseUrlError")<{ readonly message: string }> {}

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
      message: `RAMPART_DATABASE_URL must be sqlite:<file> or postgres://..., got "${url.replace(/\/\/[^@]*@/, "//***@")}"`
    })
  )
}

/** Which store is in use, for `/health` and for dialect-specific tuning. */
export class StoreInfo extends Effect.Tag("Rampart/StoreInfo")<StoreInfo, { readonly kind: StoreKind }>() {}

/** The client layer for a parsed target; SQLite's directory is created first. */
const layerClient = (
  target: { kind: "sqlite"; filename: string } | { kind: "postgres"; url: string }
): Layer.Layer<SqlClient.SqlClient, SqlError.SqlError | ConfigError.ConfigError> =>
  target.kind === "postgres"
    ? PgClient.layer({ url: Redacted.make(target.url), maxConnections: 20, applicationName: "rampart" })
    : Layer.unwrapEffect(
        Effect.sync(() => {
          if (target.filename !== ":memory:") mkdirSync(dirname(target.filename), { recursive: true })
          return SqliteClient.layer({ filename: target.filename })
        })
      )

/** A migrated SqlClient for the given database URL, plus `StoreInfo`. */
export const layerDatabase = (url: string) =>
  Layer.unwrapEffect(
    Effect.map(parseDatabaseUrl(url), (target) =>
      Layer.effectDiscard(migrate).pipe(
        Layer.provideMerge(layerClient(target)),
        Layer.merge(Layer.succeed(StoreInfo, { kind: target.kind }))
      )
    )
  )
