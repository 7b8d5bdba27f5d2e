/**
 * `npx tsx scripts/store-growth.ts [postgres-admin-url]`: how many bytes the store grows per login
 * and per refresh (their rows, indexes and security events), on SQLite and, given an admin URL,
 * PostgreSQL — the sizing figures of docs/server.md "Running in production". Runs the domain
 * services (no HTTP) on a fresh store: N logins, then N refreshes, measuring the store's size
 * after each phase (SQLite: the file after a WAL checkpoint; PostgreSQL: the database's size).
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { mkdtempSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createPostgresDatabase } from "../bench/lib/PostgresDatabases.js"
import { Accounts, layerDatabase, layerServerConfig, layerServicesOnSqlClient, Sandbox } from "../src/server.js"
import { testPasswordCost } from "../src/Testing/TestKit.js"

const N = 2_000
const password = Redacted.make("store growth password")

/** The store's size in bytes, as its kind measures it. */
const sizeOf = (kind: "sqlite" | "postgres", file: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    kind === "sqlite"
      ? Effect.map(sql`PRAGMA wal_checkpoint(TRUNCATE)`, () => statSync(file).size)
      : Effect.map(
        sql<{ size: string }>`SELECT pg_database_size(current_database())::text AS size`,
        ([row]) => Number(row!.size)
      ))

const measure = (kind: "sqlite" | "postgres", databaseUrl: string, file: string) =>
  Effect.gen(function*() {
    const accounts = yield* Accounts
    const sandbox = yield* Sandbox
    const users = Array.from({ length: 20 }, (_, i) => `growth${i}@example.com`)
    for (const email of users) yield* sandbox.createUser(email, password)
    const tokens: Array<string> = []
    // Warm-up: the first pages of every table and index.
    for (let i = 0; i < 200; i++) {
      tokens.push((yield* accounts.login(users[i % users.length]!, password, "growth/1")).refreshToken)
    }
    const start = yield* sizeOf(kind, file)
    for (let i = 0; i < N; i++) {
      tokens.push((yield* accounts.login(users[i % users.length]!, password, "growth/1")).refreshToken)
    }
    const afterLogins = yield* sizeOf(kind, file)
    for (let i = 0; i < N; i++) yield* accounts.refresh(Redacted.make(tokens[tokens.length - 1 - (i % 100)]!))
    const afterRefreshes = yield* sizeOf(kind, file)
    console.log(
      `${kind}: ${Math.round((afterLogins - start) / N)} B per login, ${
        Math.round((afterRefreshes - afterLogins) / N)
      } B per refresh (${N} of each, ${databaseUrl.replace(/\/\/[^@]*@/, "//***@")})`
    )
  }).pipe(
    Effect.provide(layerServicesOnSqlClient.pipe(Layer.provideMerge(layerDatabase(databaseUrl)))),
    Effect.provide(
      layerServerConfig({
        databaseUrl,
        stateDirectory: mkdtempSync(join(tmpdir(), "growth-state-")),
        passwordCost: testPasswordCost
      })
    ),
    Effect.orDie
  )

const directory = mkdtempSync(join(tmpdir(), "growth-"))
const file = join(directory, "growth.db")
await Effect.runPromise(measure("sqlite", `sqlite:${file}`, file))
rmSync(directory, { recursive: true, force: true })
const admin = process.argv[2]
if (admin !== undefined) {
  const { url } = await createPostgresDatabase(admin, "rampart_growth")
  await Effect.runPromise(measure("postgres", url, ""))
}
