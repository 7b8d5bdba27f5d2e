/**
 * The refresh-rps baseline: a hand-written fastify + jose server that does the work of
 * `POST /auth/login/refresh` on the same store as Rampart — validate the body, HMAC the refresh
 * token with the key Rampart derives from `RAMPART_SECRET_KEY`, look it up with Rampart's query,
 * sign an EdDSA idToken with `RAMPART_SIGNING_KEY` (jose), answer `{ idToken }` or a 403 JSON error.
 * No logging, no tracing: the lower bound of what a Node server doing this work costs.
 *
 * Env: BENCH_PORT, RAMPART_DATABASE_URL (sqlite:<file> or postgres://...), RAMPART_SECRET_KEY,
 * RAMPART_SIGNING_KEY, RAMPART_ISSUER / RAMPART_AUDIENCE (default "rampart").
 */
import Database from "better-sqlite3"
import Fastify from "fastify"
import { importJWK, SignJWT } from "jose"
import { createHmac, hkdfSync, randomUUID } from "node:crypto"
import pg from "pg"

const env = (name: string, fallback?: string): string => {
  const value = process.env[name] ?? fallback
  if (value === undefined) throw new Error(`${name} is required`)
  return value
}

const port = Number(env("BENCH_PORT"))
const databaseUrl = env("RAMPART_DATABASE_URL")
const issuer = env("RAMPART_ISSUER", "rampart")
const audience = env("RAMPART_AUDIENCE", "rampart")
const master = Buffer.from(env("RAMPART_SECRET_KEY"), "base64")
const hmacKey = Buffer.from(hkdfSync("sha256", master, Buffer.alloc(0), "rampart/hmac", 32))
const jwk = JSON.parse(env("RAMPART_SIGNING_KEY")) as { kid: string }
const privateKey = await importJWK({ ...jwk, alg: "EdDSA" }, "EdDSA")

/** Rampart's refresh-token digest: HMAC-SHA256(purpose ‖ 0x00 ‖ token), base64url. */
const digest = (token: string) =>
  createHmac("sha256", hmacKey).update("refresh-token", "utf8").update(Buffer.of(0)).update(token, "utf8").digest(
    "base64url"
  )

interface Row {
  readonly user_id: string
  readonly email: string
  readonly status: string
}

const query = `SELECT r.user_id, u.email, u.status FROM rampart_refresh_tokens r
  JOIN rampart_users u ON u.id = r.user_id
  WHERE r.token_hash = $1 AND r.revoked_at IS NULL AND r.expires_at > $2`

/** The lookup on SQLite (better-sqlite3, prepared once) or PostgreSQL (a pool of 20, like Rampart). */
const lookup: (hash: string, now: number) => Promise<Row | undefined> = databaseUrl.startsWith("sqlite:")
  ? (() => {
    const db = new Database(databaseUrl.slice("sqlite:".length).replace(/^\/\//, ""))
    db.pragma("journal_mode = WAL")
    const statement = db.prepare(query.replace("$1", "?").replace("$2", "?"))
    return async (hash, now) => statement.get(hash, now) as Row | undefined
  })()
  : (() => {
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 20 })
    return async (hash, now) => (await pool.query<Row>({ name: "refresh", text: query, values: [hash, now] })).rows[0]
  })()

const app = Fastify({ logger: false, bodyLimit: 64 * 1024 })

app.post(
  "/auth/login/refresh",
  {
    schema: {
      body: {
        type: "object",
        required: ["refreshToken"],
        properties: { refreshToken: { type: "string", minLength: 1, maxLength: 512 } }
      }
    }
  },
  async (request, reply) => {
    const { refreshToken } = request.body as { refreshToken: string }
    const now = Date.now()
    const row = await lookup(digest(refreshToken), now)
    if (row === undefined || row.status !== "ACTIVE") {
      return reply.code(403).send({ _tag: "AuthError", message: "Invalid refresh token" })
    }
    const idToken = await new SignJWT({ email: row.email })
      .setProtectedHeader({ alg: "EdDSA", typ: "JWT", kid: jwk.kid })
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject(row.user_id)
      .setIssuedAt(Math.floor(now / 1000))
      .setExpirationTime(Math.floor(now / 1000) + 3600)
      .setJti(randomUUID())
      .sign(privateKey)
    return { idToken }
  }
)

app.get("/health", async () => ({ status: "ok" }))

await app.listen({ port, host: "127.0.0.1" })
process.on("SIGTERM", () => void app.close().then(() => process.exit(0)))
