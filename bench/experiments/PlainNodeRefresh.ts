/**
 * TOOL, a server variant for compare-transports.ts (docs/benchmarks.md, "Tools for digging
 * further"): the refresh work with no framework at all — node:http, better-sqlite3, Rampart's own
 * refresh-token digest (bench/lib/RefreshTokens.ts, a plain node:crypto HMAC per request) and
 * node:crypto Ed25519 — to see what the work itself costs next to the fastify baseline and Rampart.
 * Same store, keys and query as the baseline; minimal validation; SQLite only.
 *
 * Usage: tsx bench/experiments/compare-transports.ts 4 4 baseline script:bench/experiments/PlainNodeRefresh.ts fast
 * (env as bench/baseline/RefreshServer.ts: BENCH_PORT, RAMPART_DATABASE_URL, RAMPART_SECRET_KEY, RAMPART_SIGNING_KEY).
 */
import Database from "better-sqlite3"
import { createPrivateKey, randomUUID, sign } from "node:crypto"
import { createServer } from "node:http"
import { refreshDigester } from "../lib/RefreshTokens.js"

const env = (name: string): string => {
  const value = process.env[name]
  if (value === undefined) throw new Error(`${name} is required`)
  return value
}
const refreshDigest = refreshDigester(env("RAMPART_SECRET_KEY"))
const jwk = JSON.parse(env("RAMPART_SIGNING_KEY")) as { kid: string; x: string; d: string }
const key = createPrivateKey({ key: { kty: "OKP", crv: "Ed25519", x: jwk.x, d: jwk.d }, format: "jwk" })
const lookup = new Database(env("RAMPART_DATABASE_URL").slice("sqlite:".length)).prepare(
  `SELECT r.user_id, u.email, u.status FROM rampart_refresh_tokens r JOIN rampart_users u ON u.id = r.user_id
   WHERE r.token_hash = ? AND r.revoked_at IS NULL AND r.expires_at > ?`
)
const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url")
const header = encode({ alg: "EdDSA", typ: "JWT", kid: jwk.kid })

const refresh = (body: string): string | undefined => {
  const { refreshToken } = JSON.parse(body) as { refreshToken?: unknown }
  if (typeof refreshToken !== "string") return undefined
  const digest = refreshDigest(refreshToken)
  const now = Date.now()
  const row = lookup.get(digest, now) as { user_id: string; email: string; status: string } | undefined
  if (row === undefined || row.status !== "ACTIVE") return undefined
  const iat = Math.floor(now / 1000)
  const input = `${header}.${
    encode({
      iss: "rampart",
      aud: "rampart",
      sub: row.user_id,
      email: row.email,
      iat,
      exp: iat + 3600,
      jti: randomUUID()
    })
  }`
  return JSON.stringify({ idToken: `${input}.${sign(null, Buffer.from(input), key).toString("base64url")}` })
}

createServer((request, response) => {
  if (request.url === "/health") return void response.end("{}")
  const chunks: Array<Buffer> = []
  request.on("data", (chunk: Buffer) => chunks.push(chunk))
  request.on("end", () => {
    const answer = refresh(Buffer.concat(chunks).toString("utf8"))
    const body = answer ?? JSON.stringify({ _tag: "AuthError", message: "Invalid refresh token" })
    response.writeHead(answer === undefined ? 403 : 200, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(body)
    })
    response.end(body)
  })
}).listen(Number(env("BENCH_PORT")), "127.0.0.1")
process.on("SIGTERM", () => process.exit(0))
