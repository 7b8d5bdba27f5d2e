/**
 * Rampart in a host's own database (issue 24): `layerServicesOnSqlClient` on the host's
 * `SqlClient` (SQLite through Rampart's client, PostgreSQL through `@effect/sql-pg`) creates only
 * `rampart_*` tables beside the host's own `users` table, which it never touches; and a store
 * written before the prefix (the old schema, kept as a fixture) opens with the current code, its
 * tables renamed in place, its users logging in, its refresh tokens refreshing, its events kept.
 */
import * as PgClient from "@effect/sql-pg/PgClient"
import * as SqlClient from "@effect/sql/SqlClient"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, Redacted } from "effect"
import { randomBytes, randomUUID } from "node:crypto"
import { Accounts, layerServerConfig, layerServicesOnSqlClient, Sandbox, SecurityEvents } from "rampart/server"
import { Hmac } from "../../src/Server/Crypto/Hmac.js"
import { generateMasterKeyBase64, MasterKey } from "../../src/Server/Crypto/MasterKey.js"
import { Passwords } from "../../src/Server/Crypto/Passwords.js"
import { generateSigningJwk } from "../../src/Server/Crypto/SigningKey.js"
import * as SqliteStore from "../../src/Server/Store/SqliteStore.js"
import { migrate as migrateBeforePrefix } from "../fixtures/store-before-prefix/Migrations.js"
import { layerTestServices, testPasswordCost, testSettings } from "../support/Services.js"
import { storeKinds } from "../support/Stores.js"

const password = Redacted.make("correct horse battery")

/** A plain client on `url`, as a host would have it (no Rampart migrations run). */
const hostClient = (url: string): Layer.Layer<SqlClient.SqlClient, unknown, never> =>
  url.startsWith("sqlite:")
    ? SqliteStore.layer(url.slice("sqlite:".length))
    : PgClient.layer({ url: Redacted.make(url) }).pipe(Layer.orDie)

/** The table names of the database behind `sql`. */
const tables = (sql: SqlClient.SqlClient) =>
  Effect.map(
    sql.onDialectOrElse({
      pg: () =>
        sql<
          { name: string }
        >`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()`,
      orElse: () => sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table'`
    }),
    (rows) => rows.map((row) => row.name).filter((name) => !name.startsWith("sqlite_")).sort()
  )

describe.each(storeKinds)("Rampart on the host's own SqlClient (%s)", (_kind, fresh) => {
  it.scoped("only rampart_* tables beside the host's users table, which keeps its rows; login and refresh work", () =>
    Effect.gen(function*() {
      const url = yield* Effect.promise(fresh)
      const host = yield* Layer.build(hostClient(url))
      const sql = yield* Effect.provide(SqlClient.SqlClient, host)
      yield* sql`CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL)`
      yield* sql`INSERT INTO users (id, name) VALUES (1, 'the host''s own user')`
      const rampart = yield* Layer.build(
        layerServicesOnSqlClient.pipe(
          Layer.provide(layerServerConfig(testSettings("sqlite:unused-by-this-layer.db"))),
          Layer.provide(Layer.succeedContext(host))
        )
      )
      const { accounts, sandbox } = yield* Effect.provide(Effect.all({ accounts: Accounts, sandbox: Sandbox }), rampart)
      yield* sandbox.createUser("guest@example.com", password)
      const tokens = yield* accounts.login("guest@example.com", password, "host/1.0")
      expect((yield* accounts.refresh(Redacted.make(tokens.refreshToken))).idToken.split(".")).toHaveLength(3)
      expect(yield* sql<{ name: string }>`SELECT name FROM users`).toEqual([{ name: "the host's own user" }])
      const names = yield* tables(sql)
      expect(names.filter((name) => !name.startsWith("rampart_"))).toEqual(["users"])
      expect(names).toContain("rampart_users")
      expect(names).toContain("rampart_migrations")
    }))
})

describe.each(storeKinds)("a store written before the rampart_ prefix (%s)", (_kind, fresh) => {
  it.scoped("opens with the current code: renamed in place, users log in, refresh tokens refresh, events are kept", () =>
    Effect.gen(function*() {
      const url = yield* Effect.promise(fresh)
      const secretKey = generateMasterKeyBase64()
      const keys = {
        secretKey: Option.some(Redacted.make(secretKey)),
        signingKey: Option.some(Redacted.make(generateSigningJwk()))
      }
      const refreshToken = randomBytes(32).toString("base64url")
      const userId = randomUUID()
      // The old store, written as the old code wrote it.
      yield* Effect.scoped(
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          yield* migrateBeforePrefix
          const hash = yield* (yield* Passwords).hash(password)
          const digest = (yield* Hmac).digest("refresh-token", refreshToken)
          const now = Date.now()
          yield* sql`INSERT INTO users (id, email, password_hash, created_at, password_changed_at)
            VALUES (${userId}, ${"old@example.com"}, ${hash}, ${now}, ${now})`
          yield* sql`INSERT INTO refresh_tokens (token_hash, user_id, created_at, expires_at)
            VALUES (${digest}, ${userId}, ${now}, ${now + 86_400_000})`
          yield* sql`INSERT INTO security_events (at, type, user_id) VALUES (${now}, ${"login.succeeded"}, ${userId})`
        }).pipe(
          Effect.provide(Layer.mergeAll(
            Passwords.layerWith(testPasswordCost),
            Hmac.Default.pipe(Layer.provide(MasterKey.layerFromBase64(Redacted.make(secretKey))))
          )),
          Effect.provide(hostClient(url))
        )
      )
      // The current code on it.
      const context = yield* Layer.build(layerTestServices(url, keys))
      const { accounts, events } = yield* Effect.provide(
        Effect.all({ accounts: Accounts, events: SecurityEvents }),
        context
      )
      expect((yield* accounts.login("old@example.com", password, null)).idToken.split(".")).toHaveLength(3)
      const refreshed = yield* accounts.refresh(Redacted.make(refreshToken))
      const claims = JSON.parse(Buffer.from(refreshed.idToken.split(".")[1]!, "base64url").toString())
      expect(claims.sub).toBe(userId)
      const kept = yield* events.after(0, 100)
      expect(kept[0]).toMatchObject({ id: 1, type: "login.succeeded", userId })
      const sql = yield* Effect.provide(SqlClient.SqlClient, context)
      const names = yield* tables(sql)
      expect(names.filter((name) => !name.startsWith("rampart_"))).toEqual([])
      expect(names).toContain("rampart_refresh_tokens")
      // Indexes (and PostgreSQL's sequences and key indexes) are prefixed too.
      const leftovers = yield* sql.onDialectOrElse({
        pg: () =>
          sql<{ name: string }>`SELECT indexname AS name FROM pg_indexes
            WHERE schemaname = current_schema() AND left(indexname, 8) <> 'rampart_'
            UNION ALL SELECT sequencename FROM pg_sequences
            WHERE schemaname = current_schema() AND left(sequencename, 8) <> 'rampart_'`,
        orElse: () =>
          sql<{ name: string }>`SELECT name FROM sqlite_master
            WHERE type = 'index' AND substr(name, 1, 8) <> 'rampart_' AND substr(name, 1, 7) <> 'sqlite_'`
      })
      expect(leftovers).toEqual([])
      // New rows get ids after the old ones (PostgreSQL: the renamed identity sequence still counts).
      const later = yield* events.after(1, 100)
      expect(later.every((event) => event.id > 1)).toBe(true)
    }))
})
