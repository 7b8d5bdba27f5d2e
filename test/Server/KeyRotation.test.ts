/**
 * Signing-key rotation from the outside: the sandbox's `POST /sandbox/keys/rotate` (kept across a
 * restart and a reset), and production's `rampart keys --rotate` whose output, used as the
 * environment of a restarted server, keeps every token of the old key valid. Real server processes,
 * the real `rampart` executable, Node's `fetch`; `jose` checks the published JWKS independently.
 */
import { describe, expect, it } from "@effect/vitest"
import * as jose from "jose"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { runBinary } from "../support/Cli.js"
import { call } from "../support/Http.js"
import { startServerProcess } from "../support/ServerProcess.js"

const password = "correct horse battery"
const kidOf = (token: string) => JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString()).kid as string
const jwksKids = async (url: string) =>
  ((await (await fetch(`${url}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string }> }).keys.map((key) =>
    key.kid
  )
/** An authenticated call that changes nothing the test relies on: create (or replace) an unvalidated TOTP secret. */
const authenticated = (url: string, token: string) => call(url, "POST", "/auth/otp/methods/totp", { token, body: {} })
/** jose's decision on `token` against the server's JWKS. */
const joseAccepts = (url: string, token: string) =>
  jose.jwtVerify(token, jose.createRemoteJWKSet(new URL(`${url}/.well-known/jwks.json`)), {
    algorithms: ["EdDSA"],
    issuer: "rampart",
    audience: "rampart"
  }).then(() => true, () => false)

describe("signing-key rotation", () => {
  it(
    "sandbox: POST /sandbox/keys/rotate signs with a new key; old tokens keep working, through a reset and a restart",
    async () => {
      const state = mkdtempSync(join(tmpdir(), "rampart-rotate-"))
      const env = { RAMPART_STATE_DIR: state, RAMPART_DATABASE_URL: `sqlite:${join(state, "r.db")}` }
      let server = await startServerProcess(env)
      try {
        expect(
          (await call(server.url, "POST", "/sandbox/users", { body: { email: "ada@example.com", password } })).status
        )
          .toBe(201)
        const before = (await call(server.url, "POST", "/auth/login", { body: { email: "ada@example.com", password } }))
          .body
          .idToken as string
        const first = kidOf(before)
        const rotated = await call(server.url, "POST", "/sandbox/keys/rotate", { body: {} })
        expect(rotated.status).toBe(200)
        expect(rotated.body).toEqual({ kid: expect.any(String), previous: [first] })
        expect(await jwksKids(server.url)).toEqual([rotated.body.kid, first])
        const after = (await call(server.url, "POST", "/auth/login", { body: { email: "ada@example.com", password } }))
          .body
          .idToken as string
        expect(kidOf(after)).toBe(rotated.body.kid)
        expect((await authenticated(server.url, before)).status).toBe(200)
        expect((await authenticated(server.url, after)).status).toBe(200)
        expect(await joseAccepts(server.url, before)).toBe(true)
        expect(await joseAccepts(server.url, after)).toBe(true)
        // A second rotation keeps both earlier keys, newest first.
        const again = await call(server.url, "POST", "/sandbox/keys/rotate", { body: {} })
        expect(again.body.previous).toEqual([rotated.body.kid, first])

        // A restart on the same state directory: same keys, same decisions.
        await server.stop()
        server = await startServerProcess(env)
        expect(await jwksKids(server.url)).toEqual([again.body.kid, rotated.body.kid, first])
        expect((await authenticated(server.url, before)).status).toBe(200)
        // A reset empties the store, not the keys.
        expect((await call(server.url, "POST", "/sandbox/reset", { body: {} })).status).toBe(204)
        expect(await jwksKids(server.url)).toEqual([again.body.kid, rotated.body.kid, first])
        // A body on the rotation is refused like every other bad input, and rotates nothing.
        expect((await call(server.url, "POST", "/sandbox/keys/rotate", { body: { kid: "mine" } })).status).toBe(400)
        expect(await jwksKids(server.url)).toHaveLength(3)
      } finally {
        await server.stop()
      }
    },
    120_000
  )

  it(
    "production: rampart keys --rotate, used as the restarted server's environment, keeps tokens from before the restart valid",
    async () => {
      const fresh = await runBinary(["keys"])
      expect(fresh.status, fresh.stderr).toBe(0)
      const keys = JSON.parse(fresh.stdout) as { RAMPART_SECRET_KEY: string; RAMPART_SIGNING_KEY: string }
      const state = mkdtempSync(join(tmpdir(), "rampart-rotate-"))
      const store = { RAMPART_STATE_DIR: state, RAMPART_DATABASE_URL: `sqlite:${join(state, "r.db")}` }
      // A user, made through the sandbox on the store production will use, with production's keys.
      const sandbox = await startServerProcess({ ...store, ...keys })
      await call(sandbox.url, "POST", "/sandbox/users", { body: { email: "bo@example.com", password } })
      await sandbox.stop()
      const production = { ...store, RAMPART_MODE: "production", RAMPART_OTP_WEBHOOK_URL: "http://127.0.0.1:9/unused" }
      let server = await startServerProcess({ ...production, ...keys })
      let stopped = false
      try {
        const before = (await call(server.url, "POST", "/auth/login", { body: { email: "bo@example.com", password } }))
          .body
          .idToken as string
        const next = await runBinary(["keys", "--rotate", "--env"], {
          env: { RAMPART_SIGNING_KEY: keys.RAMPART_SIGNING_KEY }
        })
        expect(next.status, next.stderr).toBe(0)
        const lines = next.stdout.trim().split("\n")
        expect(lines.map((line) => line.split("=")[0])).toEqual([
          "RAMPART_SIGNING_KEY",
          "RAMPART_PREVIOUS_SIGNING_KEYS"
        ])
        const rotated = Object.fromEntries(lines.map((line) => {
          const [name, ...rest] = line.split("=")
          return [name!, rest.join("=").slice(1, -1)]
        }))
        // The previous keys hold only the old key's public half.
        expect(rotated["RAMPART_PREVIOUS_SIGNING_KEYS"]).not.toContain("\"d\"")
        await server.stop()
        server = await startServerProcess({ ...production, RAMPART_SECRET_KEY: keys.RAMPART_SECRET_KEY, ...rotated })
        expect((await authenticated(server.url, before)).status).toBe(200)
        const after = (await call(server.url, "POST", "/auth/login", { body: { email: "bo@example.com", password } }))
          .body
          .idToken as string
        expect(kidOf(after)).not.toBe(kidOf(before))
        expect(await jwksKids(server.url)).toEqual([kidOf(after), kidOf(before)])
        expect((await authenticated(server.url, after)).status).toBe(200)
        // Rotating again from the new variables keeps both previous keys.
        const twice = await runBinary(["keys", "--rotate"], { env: rotated })
        expect(twice.status, twice.stderr).toBe(0)
        const previous = JSON.parse(JSON.parse(twice.stdout).RAMPART_PREVIOUS_SIGNING_KEYS) as Array<{ kid: string }>
        expect(previous.map((key) => key.kid)).toEqual([kidOf(after), kidOf(before)])
        await server.stop()
        stopped = true
      } finally {
        if (!stopped) await server.stop()
      }
    },
    120_000
  )

  it("keys --rotate without RAMPART_SIGNING_KEY, or with a bad one: one line naming the variable, exit code 1", async () => {
    const missing = await runBinary(["keys", "--rotate"])
    expect(missing.status).toBe(1)
    expect(missing.stderr.trim().split("\n")).toHaveLength(1)
    expect(missing.stderr).toContain("RAMPART_SIGNING_KEY")
    const bad = await runBinary(["keys", "--rotate"], {
      env: { RAMPART_SIGNING_KEY: "{\"kty\":\"OKP\"}", RAMPART_PREVIOUS_SIGNING_KEYS: "[]" }
    })
    expect(bad.status).toBe(1)
    expect(bad.stderr).toContain("RAMPART_SIGNING_KEY must be an Ed25519 private JWK")
  })
})
