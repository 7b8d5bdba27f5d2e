/**
 * The server's life: restart on the same store, production mode's refusals, OTP delivery through a
 * webhook, a clean shutdown of `npm start` on SIGTERM, and the demo accounts of `demo.json` on a
 * new store.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Either, Option, Redacted } from "effect"
import { spawn } from "node:child_process"
import { mkdtempSync, readFileSync } from "node:fs"
import { createServer, type Server } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { generateMasterKeyBase64 } from "../../src/Server/Crypto/MasterKey.js"
import { generateSigningJwk } from "../../src/Server/Crypto/SigningKey.js"
import { totpAt } from "../../src/Totp.js"
import { call } from "../support/Http.js"
import { freePort } from "../support/Ports.js"
import { startServer, startupFailure } from "../support/Server.js"
import { freshSqliteUrl, storeKinds } from "../support/Stores.js"

const password = "lifecycle password"
const totp = (secret: string) => Either.getOrThrow(totpAt(secret, Math.floor(Date.now() / 1000)))
const productionKeys = () => ({
  mode: "production" as const,
  secretKey: Option.some(Redacted.make(generateMasterKeyBase64())),
  signingKey: Option.some(Redacted.make(generateSigningJwk()))
})

describe.each(storeKinds)("restart on %s", (_kind, fresh) => {
  it("keeps users, sealed secrets, refresh and access tokens, and the signing key", async () => {
    const databaseUrl = await fresh()
    const stateDirectory = mkdtempSync(join(tmpdir(), "rampart-restart-"))
    const first = await startServer(databaseUrl, { stateDirectory })
    const email = "restart@example.com"
    await call(first.url, "POST", "/sandbox/users", { body: { email, password } })
    const login = (await call(first.url, "POST", "/auth/login", { body: { email, password } })).body
    const secret =
      (await call(first.url, "POST", "/auth/otp/methods/totp", { body: {}, token: login.idToken })).body.totp.secret
    const partner =
      (await call(first.url, "POST", "/sandbox/partners", { body: { email: "p-" + email, password } })).body
    const session = await call(first.url, "POST", "/api/v1/partners/auth/login", {
      body: {
        email: "p-" + email,
        password,
        client_id: partner.client_id,
        client_secret: partner.client_secret,
        security_code: totp(partner.totp_secret)
      }
    })
    expect(session.status).toBe(200)
    const jwks = (await call(first.url, "GET", "/.well-known/jwks.json")).body
    await first.close()

    const second = await startServer(databaseUrl, { stateDirectory })
    try {
      expect((await call(second.url, "GET", "/.well-known/jwks.json")).body).toEqual(jwks)
      // the idToken signed before the restart still verifies; the sealed TOTP secret still opens
      const verified = await call(second.url, "POST", "/auth/otp/code", {
        body: { channel: "TOTP" },
        token: login.idToken,
        headers: { "x-otp": totp(secret) }
      })
      expect(verified.status).toBe(200)
      expect(verified.body.hasValidatedSecret).toBe(true)
      const refreshed = await call(second.url, "POST", "/auth/login/refresh", {
        body: { refreshToken: login.refreshToken }
      })
      expect(refreshed.status).toBe(200)
      expect((await call(second.url, "POST", "/auth/login", { body: { email, password } })).status).toBe(200)
      expect(
        (await call(second.url, "POST", "/api/v1/partners/auth/logout", { token: session.body.access_token })).status
      ).toBe(204)
    } finally {
      await second.close()
    }
  })
})

describe("production mode", () => {
  it("refuses to start without its keys, naming the missing variable", async () => {
    const url = freshSqliteUrl()
    expect(await startupFailure(url, { mode: "production" })).toContain("RAMPART_SECRET_KEY")
    const { secretKey } = productionKeys()
    expect(await startupFailure(url, { mode: "production", secretKey })).toContain("RAMPART_SIGNING_KEY")
    expect(await startupFailure(url, productionKeys())).toContain("RAMPART_OTP_WEBHOOK_URL")
    const badKey = { ...productionKeys(), secretKey: Option.some(Redacted.make("c2hvcnQ=")) }
    expect(await startupFailure(url, badKey)).toContain("RAMPART_SECRET_KEY must be 32 bytes")
  })

  it("answers 404 on /sandbox/* and serves the API", async () => {
    const server = await startServer(freshSqliteUrl(), {
      ...productionKeys(),
      otpWebhookUrl: Option.some("http://127.0.0.1:9/unused")
    })
    try {
      expect(await call(server.url, "GET", "/sandbox/outbox?to=a@b.co")).toMatchObject({
        status: 404,
        body: { _tag: "NotFound" }
      })
      expect((await call(server.url, "POST", "/sandbox/users", { body: { email: "a@b.co", password } })).status).toBe(
        404
      )
      expect((await call(server.url, "GET", "/health")).status).toBe(200)
      expect((await call(server.url, "POST", "/auth/login", { body: { email: "a@b.co", password } })).status).toBe(403)
    } finally {
      await server.close()
    }
  })
})

describe("OTP delivery through a webhook", () => {
  let receiver: Server
  let receiverUrl: string
  const received: Array<{ channel: string; to: string; code: string }> = []
  let failNext = false

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      let body = ""
      request.on("data", (chunk) => (body += chunk))
      request.on("end", () => {
        if (failNext) {
          failNext = false
          response.writeHead(503).end()
          return
        }
        received.push(JSON.parse(body))
        response.writeHead(204).end()
      })
    })
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve))
    const address = receiver.address()
    receiverUrl = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}/otp`
  })
  afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())))

  it("POSTs { channel, to, code } and the delivered code verifies; a failed delivery stores nothing", async () => {
    const server = await startServer(freshSqliteUrl(), { otpWebhookUrl: Option.some(receiverUrl) })
    try {
      const email = "hook@example.com"
      await call(server.url, "POST", "/sandbox/users", { body: { email, password } })
      const { idToken } = (await call(server.url, "POST", "/auth/login", { body: { email, password } })).body
      failNext = true
      const failed = await call(server.url, "GET", "/auth/otp/code?method=EMAIL", { token: idToken })
      expect(failed).toEqual({ status: 500, body: { _tag: "InternalError", message: "Internal error" } })
      expect(received).toHaveLength(0)
      // the failed send was rolled back: it does not count against the 60 s spacing
      const sent = await call(server.url, "GET", "/auth/otp/code?method=EMAIL", { token: idToken })
      expect(sent.status).toBe(201)
      expect(received).toHaveLength(1)
      expect(received[0]).toMatchObject({ channel: "EMAIL", to: email })
      expect(received[0]!.code).toMatch(/^[0-9]{6}$/)
      expect((await call(server.url, "GET", `/sandbox/outbox?to=${email}`)).body).toEqual([])
      const verified = await call(server.url, "POST", "/auth/otp/code", {
        body: { channel: "EMAIL" },
        token: idToken,
        headers: { "x-otp": received[0]!.code }
      })
      expect(verified.body.hasValidatedEmail).toBe(true)
    } finally {
      await server.close()
    }
  })
})

describe("npm start", () => {
  it("serves the sandbox, prints the demo credentials, and exits 0 on SIGTERM", async () => {
    const state = mkdtempSync(join(tmpdir(), "rampart-main-"))
    const port = 20_000 + Math.floor(Math.random() * 20_000)
    // What `npm start` runs once dist/ is fresh (the suite's global set-up builds it).
    const child = spawn(process.execPath, ["dist/Server/main.js"], {
      env: {
        ...process.env,
        RAMPART_PORT: String(port),
        RAMPART_STATE_DIR: state,
        RAMPART_DATABASE_URL: `sqlite:${state}/r.db`
      },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    child.stdout.on("data", (chunk) => (output += chunk))
    child.stderr.on("data", (chunk) => (output += chunk))
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
    for (let i = 0; i < 120 && !output.includes("demo partner"); i++) await new Promise((r) => setTimeout(r, 250))
    expect(output).toContain("demo user")
    expect(output).toMatch(/totp_secret=[A-Z2-7]{32}/)
    expect((await call(`http://127.0.0.1:${port}`, "GET", "/health")).status).toBe(200)
    child.kill("SIGTERM")
    expect(await exited).toBe(0)
  })
})

describe("demo.json on a new store", () => {
  /** `npm start`'s server (dist/Server/main.js) on a state directory and a SQLite file, once its demo printout is complete. */
  const startMain = async (state: string, databaseFile: string) => {
    const port = await freePort()
    const child = spawn(process.execPath, ["dist/Server/main.js"], {
      env: {
        ...process.env,
        RAMPART_PORT: String(port),
        RAMPART_STATE_DIR: state,
        RAMPART_DATABASE_URL: `sqlite:${databaseFile}`
      },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    child.stdout.on("data", (chunk) => (output += chunk))
    child.stderr.on("data", (chunk) => (output += chunk))
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
    for (let i = 0; i < 240 && !output.includes("codes sent by EMAIL/SMS") && child.exitCode === null; i++) {
      await new Promise((r) => setTimeout(r, 250))
    }
    expect(output).toContain("codes sent by EMAIL/SMS")
    const stop = async () => {
      child.kill("SIGTERM")
      expect(await exited).toBe(0)
    }
    return { url: `http://127.0.0.1:${port}`, output, stop }
  }
  const readDemo = (state: string) =>
    JSON.parse(readFileSync(join(state, "demo.json"), "utf8")) as {
      user: { email: string; password: string }
      partner: { email: string; password: string; client_id: number; client_secret: string; totp_secret: string }
    }
  const partnerLogin = (url: string, partner: ReturnType<typeof readDemo>["partner"]) =>
    call(url, "POST", "/api/v1/partners/auth/login", {
      body: {
        email: partner.email,
        password: partner.password,
        client_id: partner.client_id,
        client_secret: partner.client_secret,
        security_code: totp(partner.totp_secret)
      }
    })

  it("a second start with the same state directory and another store creates the printed accounts there", async () => {
    const state = mkdtempSync(join(tmpdir(), "rampart-demo-"))
    await (await startMain(state, join(state, "first.db"))).stop()
    const demo = readDemo(state)
    const second = await startMain(state, join(state, "second.db"))
    try {
      expect(second.output).toContain(`demo user     email=${demo.user.email} password=${demo.user.password}`)
      expect(second.output).toContain(`demo partner  email=${demo.partner.email} password=${demo.partner.password}`)
      expect(second.output).toContain(`client_id=${demo.partner.client_id} client_secret=${demo.partner.client_secret}`)
      expect(second.output).toContain(`totp_secret=${demo.partner.totp_secret}`)
      expect(second.output).toContain("were created in it, with the same credentials")
      const login = await call(second.url, "POST", "/auth/login", { body: demo.user })
      expect(login.status).toBe(200)
      expect(login.body.idToken).toEqual(expect.any(String))
      const session = await partnerLogin(second.url, demo.partner)
      expect(session.status, JSON.stringify(session.body)).toBe(200)
      expect(session.body.access_token).toEqual(expect.any(String))
      // A partner created afterwards gets a client id of its own.
      const next = await call(second.url, "POST", "/sandbox/partners", {
        body: { email: "next@example.com", password }
      })
      expect(next.status).toBe(201)
      expect(next.body.client_id).not.toBe(demo.partner.client_id)
    } finally {
      await second.stop()
    }
    // A third start on the second store finds the accounts as they are: nothing more is created.
    const third = await startMain(state, join(state, "second.db"))
    try {
      expect(third.output).toContain(`demo user     email=${demo.user.email} password=${demo.user.password}`)
      expect(third.output).not.toContain("were created in it")
    } finally {
      await third.stop()
    }
  }, 120_000)

  it("a store whose demo emails have other credentials: those accounts are left alone and not printed", async () => {
    const other = mkdtempSync(join(tmpdir(), "rampart-demo-other-"))
    const shared = join(other, "shared.db")
    await (await startMain(other, shared)).stop()
    const state = mkdtempSync(join(tmpdir(), "rampart-demo-"))
    await (await startMain(state, join(state, "own.db"))).stop()
    const demo = readDemo(state)
    const server = await startMain(state, shared)
    try {
      expect(server.output).not.toContain(demo.user.password)
      expect(server.output).not.toContain(demo.partner.client_secret)
      expect(server.output).toContain(
        "demo user     not printed: demo@rampart.test exists in this store with other credentials"
      )
      expect(server.output).toContain(
        "demo partner  not printed: partner@rampart.test exists in this store with other credentials"
      )
      expect((await call(server.url, "POST", "/auth/login", { body: demo.user })).status).toBe(403)
      // The accounts of the store are unchanged.
      const owner = readDemo(other)
      expect((await call(server.url, "POST", "/auth/login", { body: owner.user })).status).toBe(200)
    } finally {
      await server.stop()
    }
  }, 120_000)
})
