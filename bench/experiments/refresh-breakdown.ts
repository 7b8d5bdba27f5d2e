/**
 * TOOL (documented in docs/benchmarks.md, "Tools for digging further"): where the CPU of one
 * refresh goes, without HTTP. Builds Rampart's services over a
 * seeded SQLite store in this process and times each piece in a loop (µs per operation, median of
 * 5 rounds), tracer on and off:
 * - the baseline's work: the refresh-token HMAC (Rampart's own `Hmac.digest`, a plain node:crypto
 *   call), better-sqlite3 lookup, node:crypto Ed25519 signing, jose signing;
 * - Rampart's pieces: the SQL lookup through @effect/sql, a row parser built once (as the
 *   repositories' `SqlSchema` queries do), the payload decode, the audit row of a refresh
 *   (`SecurityEventsRepo.insert`, `SecurityEvents.publish`, `SecurityEvents.reporting` around an
 *   empty operation; raw better-sqlite3 insert for comparison), `IdTokens.issue`, `Accounts.refresh`.
 * Usage: tsx bench/experiments/refresh-breakdown.ts (pin it: taskset -c 0 ...)
 */
import { SqlClient } from "@effect/sql"
import Database from "better-sqlite3"
import { Effect, Layer, ManagedRuntime, Option, Redacted, Schema } from "effect"
import { importJWK, SignJWT } from "jose"
import { createPrivateKey, randomUUID, sign } from "node:crypto"
import { RefreshRequest } from "../../src/Domain/Credentials.js"
import { Accounts } from "../../src/Server/Accounts/Accounts.js"
import { layerServerConfig } from "../../src/Server/Config.js"
import { IdTokens } from "../../src/Server/Crypto/IdTokens.js"
import { SecurityEvents } from "../../src/Server/Events/SecurityEvents.js"
import { SecurityEventsRepo } from "../../src/Server/Events/SecurityEventsRepo.js"
import { layerDomain } from "../../src/Server/Layers.js"
import { refreshDigester } from "../lib/RefreshTokens.js"
import { freshSqlite, makeKeys, migrateStore, seed, seededPasswordHash } from "../lib/Store.js"

const keys = makeKeys()
const store = freshSqlite()
await migrateStore(store.url)
const seeded = await seed(store, keys, 1000, 1000, await seededPasswordHash())
const tokens = seeded.tokens
const refreshDigest = refreshDigester(keys.secretKey)
const digests = tokens.map(refreshDigest)

const settingsLayer = layerDomain.pipe(
  Layer.provideMerge(
    layerServerConfig({
      databaseUrl: store.url,
      mode: "sandbox",
      secretKey: Option.some(Redacted.make(keys.secretKey)),
      signingKey: Option.some(Redacted.make(keys.signingKey)),
      stateDirectory: store.url.slice("sqlite:".length) + ".state"
    })
  )
)
const runtime = ManagedRuntime.make(settingsLayer)
const { accounts, eventsRepo, events, idTokens, sql } = await runtime.runPromise(
  Effect.all({
    accounts: Accounts,
    eventsRepo: SecurityEventsRepo,
    events: SecurityEvents,
    idTokens: IdTokens,
    sql: SqlClient.SqlClient
  }).pipe(
    Effect.provide(SecurityEventsRepo.Default)
  )
)

const N = 2000
const rounds = 5
const results: Array<[string, number]> = []

/** Median µs per call of a synchronous or promise-returning function. */
const timePlain = async (name: string, f: (i: number) => unknown) => {
  const samples: Array<number> = []
  for (let r = 0; r < rounds; r++) {
    const t = performance.now()
    for (let i = 0; i < N; i++) await f(i)
    samples.push(((performance.now() - t) / N) * 1000)
  }
  results.push([name, samples.sort((a, b) => a - b)[2]!])
}

/** Median µs per run of an Effect, all runs inside one fiber (as a handler would be). */
const timeEffect = async <A, E>(name: string, f: (i: number) => Effect.Effect<A, E, never>, tracing: boolean) => {
  const samples: Array<number> = []
  for (let r = 0; r < rounds; r++) {
    const loop = Effect.gen(function*() {
      const t = performance.now()
      for (let i = 0; i < N; i++) yield* f(i)
      return ((performance.now() - t) / N) * 1000
    })
    samples.push(await runtime.runPromise(tracing ? loop : Effect.withTracerEnabled(loop, false)))
  }
  results.push([`${name}${tracing ? "" : "  [tracer off]"}`, samples.sort((a, b) => a - b)[2]!])
}

// The baseline's work.
const db = new Database(store.url.slice("sqlite:".length))
const query = db.prepare(
  `SELECT r.user_id, u.email, u.status FROM rampart_refresh_tokens r JOIN rampart_users u ON u.id = r.user_id
  WHERE r.token_hash = ? AND r.revoked_at IS NULL AND r.expires_at > ?`
)
const jwk = JSON.parse(keys.signingKey) as { kid: string; x: string; d: string }
const nodeKey = createPrivateKey({ key: { kty: "OKP", crv: "Ed25519", x: jwk.x, d: jwk.d }, format: "jwk" })
const joseKey = await importJWK({ ...jwk, alg: "EdDSA" }, "EdDSA")
const pick = (i: number) => i % tokens.length
const insertEvent = db.prepare(
  `INSERT INTO rampart_security_events (at, type, user_id, client_id, channel, ip, device, reason)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`
)
const eventRow = {
  at: 0,
  type: "refresh.succeeded" as const,
  user_id: "u1",
  client_id: null,
  channel: null,
  ip: "127.0.0.1",
  device: null,
  reason: null
}

await timePlain("raw: HMAC-SHA256 of the token (Hmac.digest)", (i) => refreshDigest(tokens[pick(i)]!))
await timePlain("raw: better-sqlite3 lookup", (i) => query.get(digests[pick(i)], Date.now()))
await timePlain(
  "raw: better-sqlite3 event insert",
  () => insertEvent.get(Date.now(), "refresh.succeeded", "u1", null, null, "127.0.0.1", null, null)
)
await timePlain("raw: node:crypto Ed25519 sign (JWT-sized)", () => sign(null, Buffer.alloc(300, 97), nodeKey))
await timePlain(
  "raw: jose SignJWT EdDSA (baseline)",
  () =>
    new SignJWT({ email: "a@b.c" }).setProtectedHeader({ alg: "EdDSA", typ: "JWT", kid: jwk.kid }).setIssuer("rampart")
      .setAudience("rampart").setSubject("u1").setIssuedAt().setExpirationTime("1h").setJti(randomUUID()).sign(joseKey)
)

const RefreshRow = Schema.Struct({ user_id: Schema.String, email: Schema.String, status: Schema.String })
const hoisted = (() => {
  const decode = Schema.decodeUnknown(Schema.Array(RefreshRow))
  return (rows: ReadonlyArray<unknown>) => Effect.orDie(decode(rows))
})()
const sampleRows = [{ user_id: "u1", email: "user1@bench.test", status: "ACTIVE" }]
const decodePayload = Schema.decodeUnknown(RefreshRequest)

for (const tracing of [true, false]) {
  await timeEffect(
    "@effect/sql lookup (sql`...`)",
    (i) =>
      sql`SELECT r.user_id, u.email, u.status FROM rampart_refresh_tokens r JOIN rampart_users u ON u.id = r.user_id
        WHERE r.token_hash = ${digests[pick(i)]!} AND r.revoked_at IS NULL AND r.expires_at > ${Date.now()}`.pipe(
        Effect.orDie
      ),
    tracing
  )
  await timeEffect("Schema parser built once, for comparison", () => hoisted(sampleRows), tracing)
  await timeEffect(
    "payload decode (RefreshRequest)",
    (i) => Effect.orDie(decodePayload({ refreshToken: tokens[pick(i)] })),
    tracing
  )
  await timeEffect(
    "SecurityEventsRepo.insert (one row)",
    () => Effect.orDie(eventsRepo.insert({ ...eventRow, at: Date.now() })),
    tracing
  )
  await timeEffect(
    "SecurityEvents.publish (row + PubSub)",
    () => events.publish({ type: "refresh.succeeded", userId: "u1" }),
    tracing
  )
  await timeEffect(
    "SecurityEvents.reporting of an empty operation",
    () => events.reporting({ succeeded: "refresh.succeeded" })(Effect.void),
    tracing
  )
  await timeEffect("IdTokens.issue", () => idTokens.issue({ sub: "u1", email: "user1@bench.test" }), tracing)
  await timeEffect(
    "Accounts.refresh (whole service call)",
    (i) => Effect.orDie(accounts.refresh(Redacted.make(tokens[pick(i)]!))),
    tracing
  )
}

for (const [name, us] of results) console.log(`${us.toFixed(1).padStart(8)} µs  ${name}`)
await runtime.dispose()
db.close()
await store.drop()
