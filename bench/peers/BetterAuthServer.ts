/**
 * The better-auth peer of the benchmarks (bench/items/Peers.ts): better-auth 1.7.29 as its docs set
 * it up on Node — `betterAuth` on a better-sqlite3 database, email + password, the twoFactor
 * plugin, its default password hasher (node:crypto scrypt N=16384, r=16, p=1, 64-byte key) —
 * behind a plain node:http server (`toNodeHandler`). Its schema is migrated at start
 * (`getMigrations(...).runMigrations()`, what `npx @better-auth/cli migrate` runs), then it listens
 * on BENCH_PORT; `GET /api/auth/ok` answers 200 once it is ready.
 *
 * Configured like Rampart in the same run: the SQLite file in BENCH_SQLITE (fresh, on /dev/shm),
 * WAL journal (what src/Server/Store/SqliteStore.ts sets for Rampart), production (`NODE_ENV=production`),
 * the IP rate limiter off (Rampart has no per-IP limiter; its per-account attempt limits are not hit
 * by the benchmarks either), telemetry off, sessions looked up in the database on every
 * `get-session` (its default: no cookie cache).
 */
import { betterAuth } from "better-auth"
import { getMigrations } from "better-auth/db/migration"
import { toNodeHandler } from "better-auth/node"
import { twoFactor } from "better-auth/plugins/two-factor"
import Database from "better-sqlite3"
import { createServer } from "node:http"

const port = Number(process.env["BENCH_PORT"])
const file = process.env["BENCH_SQLITE"]
if (!Number.isInteger(port) || file === undefined) {
  throw new Error("BetterAuthServer: BENCH_PORT and BENCH_SQLITE are required")
}
const baseURL = `http://127.0.0.1:${port}`
const database = new Database(file)
database.pragma("journal_mode = WAL")

const auth = betterAuth({
  database,
  baseURL,
  secret: process.env["BENCH_BETTER_AUTH_SECRET"] ?? "bench-only secret of the better-auth peer, 32+ chars",
  emailAndPassword: { enabled: true },
  plugins: [twoFactor()],
  rateLimit: { enabled: false },
  telemetry: { enabled: false }
})

const { runMigrations } = await getMigrations(auth.options)
await runMigrations()

const server = createServer(toNodeHandler(auth))
server.keepAliveTimeout = 65_000
server.listen(port, "127.0.0.1")
const stop = () => server.close(() => process.exit(0))
process.once("SIGTERM", stop)
process.once("SIGINT", stop)
