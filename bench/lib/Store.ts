/**
 * Stores for the benchmarks: fresh SQLite files and PostgreSQL databases, migrated by Rampart's own
 * migrations, keys shared by every server of a run, and bulk seeding of users and refresh tokens
 * with single `INSERT ... SELECT` statements (a recursive CTE on SQLite, `generate_series` on
 * PostgreSQL).
 */
import { hash as argon2Hash } from "@node-rs/argon2"
import Database from "better-sqlite3"
import { Effect, Layer } from "effect"
import { createHash, randomBytes } from "node:crypto"
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import pg from "pg"
import { generateMasterKeyBase64 } from "../../src/Server/Crypto/MasterKey.js"
import { owaspPasswordCost } from "../../src/Server/Crypto/Passwords.js"
import { generateSigningJwk } from "../../src/Server/Crypto/SigningKey.js"
import { layerDatabase } from "../../src/Server/Store/Database.js"
import { createPostgresDatabase, dropPostgresDatabase } from "./PostgresDatabases.js"
import { root } from "./Processes.js"
import { refreshDigester } from "./RefreshTokens.js"

/** The keys every server of a run (Rampart and baselines) is started with. */
export interface BenchKeys {
  readonly secretKey: string
  readonly signingKey: string
}

/** New keys for a run. */
export const makeKeys = (): BenchKeys => ({ secretKey: generateMasterKeyBase64(), signingKey: generateSigningJwk() })

/** The password of every seeded user. */
export const seededPassword = "bench password 1"

/** A PHC string of `seededPassword` at OWASP's Argon2id cost (what the server verifies logins against). */
export const seededPasswordHash = (): Promise<string> =>
  argon2Hash(seededPassword, {
    algorithm: 2,
    memoryCost: owaspPasswordCost.memoryCost,
    timeCost: owaspPasswordCost.timeCost,
    parallelism: 1
  })

/** The id of seeded user `n` (1-based): a UUID, as `UserId` requires. */
export const seededUserId = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`

/** The email of seeded user `n` (1-based). */
export const seededEmail = (n: number) => `user${n}@bench.test`

/** A store of one run: its URL and how to remove it. */
export interface BenchStore {
  readonly url: string
  readonly kind: "sqlite" | "postgres"
  readonly drop: () => Promise<void>
}

/**
 * Where SQLite files of a run live: /dev/shm when it exists, so that a commit's fsync costs no disk
 * time and disk noise stays out of CPU comparisons (the servers compared use the same file).
 */
const sqliteParent = existsSync("/dev/shm") ? "/dev/shm" : tmpdir()

/** A fresh SQLite file in a new temporary directory. */
export const freshSqlite = (): BenchStore => {
  const directory = mkdtempSync(join(sqliteParent, "rampart-bench-"))
  return {
    url: `sqlite:${join(directory, "rampart.db")}`,
    kind: "sqlite",
    drop: async () => rmSync(directory, { recursive: true, force: true })
  }
}

/**
 * A copy of the SQLite store `store` in a new directory, consistent even while a server writes it
 * (`VACUUM INTO`): one Rampart process per SQLite file is the rule (the server refuses a file in
 * use), so each server of a comparison gets its own copy of the same seeded data.
 */
export const copySqlite = (store: BenchStore): BenchStore => {
  if (store.kind !== "sqlite") throw new Error("copySqlite copies SQLite stores only")
  const copy = freshSqlite()
  const db = new Database(store.url.slice("sqlite:".length), { readonly: true })
  try {
    db.prepare("VACUUM INTO ?").run(copy.url.slice("sqlite:".length))
  } finally {
    db.close()
  }
  return copy
}

/** A fresh database on the PostgreSQL server at `adminUrl` (dropped by `drop`). */
export const freshPostgres = async (adminUrl: string): Promise<BenchStore> => {
  const { name, url } = await createPostgresDatabase(adminUrl, "rampart_bench")
  return { url, kind: "postgres", drop: () => dropPostgresDatabase(adminUrl, name) }
}

/** Applies Rampart's migrations (the server would on start; seeding needs the tables first). */
export const migrateStore = (url: string): Promise<void> =>
  Effect.runPromise(Effect.scoped(Layer.build(layerDatabase(url))).pipe(Effect.asVoid))

/** What `seed` made: real refresh tokens (for users 1..tokens) the servers will accept. */
export interface Seeded {
  readonly users: number
  readonly tokens: ReadonlyArray<string>
}

const farFuture = Date.UTC(2100, 0, 1)

/**
 * Seeds `users` ACTIVE users (`user<n>@bench.test`, password `seededPassword`), one refresh token
 * each. The bulk rows get random-looking digests of tokens nobody knows; the first `realTokens`
 * users get real tokens whose digests are computed with the run's key, so lookups hit rows spread
 * over the whole index. Each bulk table is filled by one INSERT ... SELECT.
 */
export const seed = async (
  store: BenchStore,
  keys: BenchKeys,
  users: number,
  realTokens: number,
  phc: string
): Promise<Seeded> => {
  if (realTokens > users) throw new Error("seed: more real tokens than users")
  const now = Date.now()
  const tokens = Array.from({ length: realTokens }, () => randomBytes(32).toString("base64url"))
  const digest = refreshDigester(keys.secretKey)
  const real = tokens.map((token, i) => [digest(token), seededUserId(i + 1)] as const)
  if (store.kind === "sqlite") {
    const db = new Database(store.url.slice("sqlite:".length))
    // Bulk load without a journal and with a large page cache (random index keys), then back to WAL.
    db.pragma("journal_mode = OFF")
    db.pragma("synchronous = OFF")
    db.pragma("cache_size = -1048576")
    db.transaction(() => {
      db.prepare(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
         INSERT INTO rampart_users (id, email, password_hash, created_at, password_changed_at)
         SELECT printf('00000000-0000-4000-8000-%012d', i), 'user' || i || '@bench.test', ?, ?, ? FROM n`
      ).run(users, phc, now, now)
      if (users > realTokens) {
        db.prepare(
          `WITH RECURSIVE n(i) AS (SELECT CAST(? AS INTEGER) UNION ALL SELECT i + 1 FROM n WHERE i < ?)
         INSERT INTO rampart_refresh_tokens (token_hash, user_id, created_at, expires_at)
         SELECT substr(lower(hex(randomblob(32))), 1, 43), printf('00000000-0000-4000-8000-%012d', i), ?, ? FROM n`
        ).run(realTokens + 1, users, now, farFuture)
      }
      const insert = db.prepare(
        `INSERT INTO rampart_refresh_tokens (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`
      )
      for (const [digest, user] of real) insert.run(digest, user, now, farFuture)
    })()
    db.pragma("journal_mode = WAL")
    db.close()
  } else {
    const client = new pg.Client({ connectionString: store.url })
    await client.connect()
    try {
      await client.query(
        `INSERT INTO rampart_users (id, email, password_hash, created_at, password_changed_at)
         SELECT '00000000-0000-4000-8000-' || lpad(i::text, 12, '0'), 'user' || i || '@bench.test', $2, $3, $3
         FROM generate_series(1, $1::int) AS i`,
        [users, phc, now]
      )
      if (users > realTokens) {
        await client.query(
          `INSERT INTO rampart_refresh_tokens (token_hash, user_id, created_at, expires_at)
         SELECT substr(md5(random()::text) || md5(i::text), 1, 43), '00000000-0000-4000-8000-' || lpad(i::text, 12, '0'), $3, $4
         FROM generate_series($1::int, $2::int) AS i`,
          [realTokens + 1, users, now, farFuture]
        )
      }
      for (const [digest, user] of real) {
        await client.query(
          `INSERT INTO rampart_refresh_tokens (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
          [
            digest,
            user,
            now,
            farFuture
          ]
        )
      }
      await client.query("ANALYZE")
    } finally {
      await client.end()
    }
  }
  return { users, tokens }
}

/** A seeded SQLite store with the keys its real tokens were made with. */
export interface SeededSqlite {
  readonly store: BenchStore
  readonly keys: BenchKeys
  readonly seeded: Seeded
  /** Whether it was copied from the cache rather than seeded now. */
  readonly fromCache: boolean
}

/**
 * A SQLite store with `users` seeded users, from a cache when possible. Seeding 10^6 users takes
 * ~15 s; the cache keeps the seeded file (and the bench-only keys of its tokens) in
 * `<tmp>/rampart-bench-cache/<key>`, where the key hashes the migrations and this seeding code, so
 * a schema or seeding change never reuses a stale file. Each run works on a fresh copy, never on
 * the cached file. `BENCH_NO_CACHE=1` disables the cache.
 */
export const seededSqlite = async (users: number, realTokens: number, phc: string): Promise<SeededSqlite> => {
  const key = createHash("sha256")
    .update(readFileSync(join(root, "src/Server/Store/Migrations.ts")))
    .update(readFileSync(join(root, "bench/lib/Store.ts")))
    .update(readFileSync(join(root, "bench/lib/RefreshTokens.ts")))
    .update(`${users}/${realTokens}`)
    .digest("hex")
    .slice(0, 16)
  const cache = join(tmpdir(), "rampart-bench-cache", key)
  const useCache = process.env["BENCH_NO_CACHE"] !== "1"
  const store = freshSqlite()
  const file = store.url.slice("sqlite:".length)
  if (useCache && existsSync(join(cache, "seed.json"))) {
    copyFileSync(join(cache, "rampart.db"), file)
    const saved = JSON.parse(readFileSync(join(cache, "seed.json"), "utf8")) as { keys: BenchKeys; seeded: Seeded }
    return { store, keys: saved.keys, seeded: saved.seeded, fromCache: true }
  }
  const keys = makeKeys()
  await migrateStore(store.url)
  const seeded = await seed(store, keys, users, realTokens, phc)
  if (useCache) {
    const staging = `${cache}.${process.pid}`
    mkdirSync(staging, { recursive: true, mode: 0o700 })
    copyFileSync(file, join(staging, "rampart.db"))
    writeFileSync(join(staging, "seed.json"), JSON.stringify({ keys, seeded }), { mode: 0o600 })
    // Older entries (other schema or seeding versions) are never read again.
    const parent = join(tmpdir(), "rampart-bench-cache")
    for (const entry of readdirSync(parent)) {
      if (entry !== key && !entry.includes(".")) rmSync(join(parent, entry), { recursive: true, force: true })
    }
    rmSync(cache, { recursive: true, force: true })
    renameSync(staging, cache)
  }
  return { store, keys, seeded, fromCache: false }
}
