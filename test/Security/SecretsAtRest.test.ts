/**
 * SPEC "no plaintext code, secret or token in the store or the logs" (issue 5, item 11): after a
 * full flow over real HTTP — users, login, refresh, TOTP enrolment and validation, EMAIL and SMS
 * codes, a partner login, refusals, a store failure and a failed webhook delivery — the raw bytes of
 * the SQLite database (main file, -wal and -shm, while running and after shutdown) hold no password,
 * TOTP secret (base32 or raw key bytes), refresh token, idToken, access token or client secret, no
 * column of any table holds a delivered or presented code, and nothing the server logged (every
 * level, errors inspected in full) or printed to the console holds any of them either.
 */
import { SqlClient } from "@effect/sql"
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "@effect/vitest"
import { Effect, Option } from "effect"
import { randomBytes } from "node:crypto"
import { existsSync, readFileSync } from "node:fs"
import { createServer, type Server } from "node:http"
import { ScureBase32Plugin } from "otplib"
import { otherCode, totpWall } from "../support/Concurrency.js"
import { call } from "../support/Http.js"
import { type LoggedServer, startLoggedServer } from "../support/LoggedServer.js"
import { allStoredValues } from "../support/Snapshot.js"
import { freshSqliteUrl } from "../support/Stores.js"

const base32 = new ScureBase32Plugin()

/** Everything secret the flow handles, by kind: long ones are searched as bytes, codes as 6-digit tokens. */
interface Secrets {
  readonly long: Array<{ readonly what: string; readonly text: string; readonly raw?: Uint8Array }>
  readonly codes: Array<{ readonly what: string; readonly code: string }>
}

/** A 6-digit code standing alone (not inside a longer run of digits). */
const codePattern = (code: string) => new RegExp(`(^|[^0-9])${code}([^0-9]|$)`)

/** The files of a SQLite database that exist now. */
const databaseFiles = (path: string) => [path, `${path}-wal`, `${path}-shm`].filter((file) => existsSync(file))

/** Asserts that no long secret appears in `bytes` (as UTF-8 text, or as its raw decoded bytes). */
const expectNoLongSecrets = (secrets: Secrets, bytes: Buffer, where: string) => {
  for (const secret of secrets.long) {
    expect(bytes.includes(Buffer.from(secret.text, "utf8")), `${secret.what} in ${where}`).toBe(false)
    if (secret.raw !== undefined) {
      expect(bytes.includes(Buffer.from(secret.raw)), `raw ${secret.what} in ${where}`).toBe(false)
    }
  }
}

/** Asserts that no secret at all (codes included) appears in `text`. */
const expectNoSecretsInText = (secrets: Secrets, text: string, where: string) => {
  for (const secret of secrets.long) expect(text.includes(secret.text), `${secret.what} in ${where}`).toBe(false)
  for (const { code, what } of secrets.codes) {
    expect(codePattern(code).test(text), `${what} ${code} in ${where}`).toBe(false)
  }
}

describe("no plaintext secret in the store or the logs", () => {
  let receiver: Server
  let receiverUrl: string
  const received: Array<{ channel: string; to: string; code: string }> = []
  let failNext = false
  const consoleOutput: Array<string> = []

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      let body = ""
      request.on("data", (chunk) => (body += chunk))
      request.on("end", () => {
        received.push(JSON.parse(body))
        if (failNext) {
          failNext = false
          response.writeHead(503).end()
        } else {
          response.writeHead(204).end()
        }
      })
    })
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve))
    const address = receiver.address()
    receiverUrl = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}/otp`
    for (const method of ["log", "info", "warn", "error", "debug", "trace"] as const) {
      const original = console[method].bind(console)
      vi.spyOn(console, method).mockImplementation((...args: Array<unknown>) => {
        consoleOutput.push(args.map(String).join(" "))
        original(...args)
      })
    }
  })
  afterAll(async () => {
    vi.restoreAllMocks()
    await new Promise<void>((resolve) => receiver.close(() => resolve()))
  })
  afterEach(() => {
    failNext = false
  })

  it("after a full sandbox flow: database bytes, table values and logs are clean", async () => {
    const databaseUrl = freshSqliteUrl()
    const databasePath = databaseUrl.slice("sqlite:".length)
    const server: LoggedServer = await startLoggedServer(databaseUrl)
    const secrets: Secrets = { long: [], codes: [] }
    const long = (what: string, text: string, raw?: Uint8Array) =>
      secrets.long.push(raw === undefined ? { what, text } : { what, text, raw })
    const code = (what: string, value: string) => secrets.codes.push({ what, code: value })
    const http = (method: string, path: string, options?: Parameters<typeof call>[3]) =>
      call(server.url, method, path, options)
    let closed = false
    try {
      // users, login, refresh
      const email = `secret-${Date.now().toString(36)}@example.com`
      const password = `pw-${randomBytes(12).toString("base64url")}`
      long("user password", password)
      expect((await http("POST", "/sandbox/users", { body: { email, password } })).status).toBe(201)
      const login = await http("POST", "/auth/login", {
        body: { email, password },
        headers: { "user-agent": "secrets-test" }
      })
      expect(login.status).toBe(200)
      const { idToken, refreshToken } = login.body as { idToken: string; refreshToken: string }
      long("idToken", idToken)
      long("idToken signature", idToken.split(".")[2]!)
      long("refresh token", refreshToken, Buffer.from(refreshToken, "base64url"))
      const refreshed = await http("POST", "/auth/login/refresh", { body: { refreshToken } })
      expect(refreshed.status).toBe(200)
      long("refreshed idToken", refreshed.body.idToken)
      // refusals that log nothing secret but exercise the refusal paths
      expect((await http("POST", "/auth/login", { body: { email, password: `${password}x` } })).status).toBe(403)
      long("wrong password", `${password}x`)
      expect((await http("POST", "/auth/otp/methods/totp", { body: {}, token: `${idToken}x` })).status).toBe(403)

      // TOTP enrolment and validation (and a wrong code)
      const enrolment = await http("POST", "/auth/otp/methods/totp", { body: {}, token: idToken })
      const secret = enrolment.body.totp.secret as string
      long("user TOTP secret", secret, base32.decode(secret))
      long("user TOTP uri", enrolment.body.totp.uri)
      const totpCode = totpWall(secret)
      const wrongTotp = otherCode(totpCode)
      code("presented wrong TOTP code", wrongTotp)
      code("user TOTP code", totpCode)
      expect(
        (await http("POST", "/auth/otp/code", {
          body: { channel: "TOTP" },
          token: idToken,
          headers: { "x-otp": wrongTotp }
        })).status
      ).toBe(401)
      expect(
        (await http("POST", "/auth/otp/code", {
          body: { channel: "TOTP" },
          token: idToken,
          headers: { "x-otp": totpCode }
        })).status
      ).toBe(200)

      // EMAIL code (a wrong try, then the right one)
      expect((await http("GET", "/auth/otp/code?method=EMAIL", { token: idToken })).status).toBe(201)
      const emailCode = (await http("GET", `/sandbox/outbox?to=${encodeURIComponent(email)}`)).body[0].code as string
      code("EMAIL code", emailCode)
      const wrongEmail = otherCode(emailCode, 123_457)
      code("presented wrong EMAIL code", wrongEmail)
      expect(
        (await http("POST", "/auth/otp/code", {
          body: { channel: "EMAIL" },
          token: idToken,
          headers: { "x-otp": wrongEmail }
        })).status
      ).toBe(401)
      expect(
        (await http("POST", "/auth/otp/code", {
          body: { channel: "EMAIL" },
          token: idToken,
          headers: { "x-otp": emailCode }
        })).status
      ).toBe(200)

      // SMS code
      expect(
        (await http("POST", "/auth/otp/methods/sms", { body: { phone: "612 345 678", country: "ES" }, token: idToken }))
          .status
      ).toBe(200)
      const smsCode = (await http("GET", "/sandbox/outbox?to=%2B34612345678")).body[0].code as string
      code("SMS code", smsCode)
      expect(
        (await http("POST", "/auth/otp/code", {
          body: { channel: "SMS" },
          token: idToken,
          headers: { "x-otp": smsCode }
        })).status
      ).toBe(200)

      // partner: create, a refused login, a login, a second login and its logout
      const partnerEmail = `partner-${email}`
      const partnerPassword = `ppw-${randomBytes(12).toString("base64url")}`
      long("partner password", partnerPassword)
      const creds =
        (await http("POST", "/sandbox/partners", { body: { email: partnerEmail, password: partnerPassword } })).body
      long("client secret", creds.client_secret, Buffer.from(creds.client_secret, "base64url"))
      long("partner TOTP secret", creds.totp_secret, base32.decode(creds.totp_secret))
      const partnerLogin = (security_code: string, client_secret = creds.client_secret as string) =>
        http("POST", "/api/v1/partners/auth/login", {
          body: {
            email: partnerEmail,
            password: partnerPassword,
            client_id: creds.client_id,
            client_secret,
            security_code
          }
        })
      const securityCode = totpWall(creds.totp_secret)
      code("partner security code", securityCode)
      expect((await partnerLogin(securityCode, `${creds.client_secret}x`)).status).toBe(403)
      const session = await partnerLogin(securityCode)
      expect(session.status).toBe(200)
      long("partner access token", session.body.access_token, Buffer.from(session.body.access_token, "base64url"))
      const nextCode = totpWall(creds.totp_secret, 1)
      code("second partner security code", nextCode)
      const second = await partnerLogin(nextCode)
      expect(second.status).toBe(200)
      long("second access token", second.body.access_token, Buffer.from(second.body.access_token, "base64url"))
      expect((await http("POST", "/api/v1/partners/auth/logout", { token: second.body.access_token })).status).toBe(204)

      // the sandbox's delivery (its outbox table) failing mid-request: a failed delivery, 500, logged
      const other = `other-${email}`
      const otherPassword = `opw-${randomBytes(12).toString("base64url")}`
      long("second user password", otherPassword)
      await http("POST", "/sandbox/users", { body: { email: other, password: otherPassword } })
      const otherToken =
        (await http("POST", "/auth/login", { body: { email: other, password: otherPassword } })).body.idToken
      long("second user idToken", otherToken)
      const rename = (from: string, to: string) =>
        server.runtime.runPromise(
          Effect.flatMap(SqlClient.SqlClient, (sql) => sql`ALTER TABLE ${sql(from)} RENAME TO ${sql(to)}`)
        )
      await rename("rampart_outbox", "outbox_gone")
      try {
        expect((await http("GET", "/auth/otp/code?method=EMAIL", { token: otherToken })).status).toBe(500)
      } finally {
        await rename("outbox_gone", "rampart_outbox")
      }

      // the store, while the server runs (WAL not yet checkpointed)
      const values = await server.runtime.runPromise(allStoredValues)
      expect(values.some((v) => v.value === email)).toBe(true) // the scan sees plaintext that is meant to be there
      for (const { table, column, value } of values) {
        expectNoSecretsInText(secrets, value, `${table}.${column}`)
      }
      const running = Buffer.concat(databaseFiles(databasePath).map((file) => readFileSync(file)))
      expect(running.includes(Buffer.from(email))).toBe(true)
      expectNoLongSecrets(secrets, running, "database files (running)")

      // the logs: non-empty, with the refusal and the failure in them, and clean
      const logs = server.logs.join("\n")
      expect(logs).toContain("idToken refused")
      // A failed delivery is a typed DeliveryError (issue 24), logged with its cause, no longer a defect.
      expect(logs).toContain("OTP delivery failed")
      expectNoSecretsInText(secrets, logs, "server logs")
      expect(server.errors.join("\n")).toContain("no such table: rampart_outbox")
      expectNoSecretsInText(secrets, server.errors.join("\n"), "logged error objects")
      expectNoSecretsInText(secrets, consoleOutput.join("\n"), "console output")

      await server.close()
      closed = true
      // after shutdown (the WAL checkpointed into the main file; freed pages may keep old bytes)
      const after = Buffer.concat(databaseFiles(databasePath).map((file) => readFileSync(file)))
      expect(after.includes(Buffer.from(email))).toBe(true)
      expectNoLongSecrets(secrets, after, "database files (after shutdown)")
    } finally {
      if (!closed) await server.close()
    }
  })

  /** Runs a failed and then a successful webhook delivery on a logged server; returns what the test checks. */
  const webhookFlow = async () => {
    const databaseUrl = freshSqliteUrl()
    const databasePath = databaseUrl.slice("sqlite:".length)
    const server = await startLoggedServer(databaseUrl, { otpWebhookUrl: Option.some(receiverUrl) })
    const secrets: Secrets = { long: [], codes: [] }
    try {
      const email = `hook-${Date.now().toString(36)}@example.com`
      const password = `hpw-${randomBytes(12).toString("base64url")}`
      secrets.long.push({ what: "password", text: password })
      await call(server.url, "POST", "/sandbox/users", { body: { email, password } })
      const { idToken } = (await call(server.url, "POST", "/auth/login", { body: { email, password } })).body
      failNext = true
      received.length = 0
      expect((await call(server.url, "GET", "/auth/otp/code?method=EMAIL", { token: idToken })).status).toBe(500)
      expect(received).toHaveLength(1)
      secrets.codes.push({ what: "code of the failed delivery", code: received[0]!.code })
      expect((await call(server.url, "GET", "/auth/otp/code?method=EMAIL", { token: idToken })).status).toBe(201)
      expect(received).toHaveLength(2)
      secrets.codes.push({ what: "delivered code", code: received[1]!.code })
      const verified = await call(server.url, "POST", "/auth/otp/code", {
        body: { channel: "EMAIL" },
        token: idToken,
        headers: { "x-otp": received[1]!.code }
      })
      expect(verified.status).toBe(200)
      const values = await server.runtime.runPromise(allStoredValues)
      return { server, secrets, values, databasePath }
    } finally {
      await server.close()
    }
  }

  it("a webhook delivery that fails: the code it carried is in neither the store nor the log lines", async () => {
    const { databasePath, secrets, server, values } = await webhookFlow()
    const logs = server.logs.join("\n")
    expect(logs).toContain("webhook delivery failed")
    expectNoSecretsInText(secrets, logs, "server logs")
    for (const { table, column, value } of values) expectNoSecretsInText(secrets, value, `${table}.${column}`)
    expectNoLongSecrets(
      secrets,
      Buffer.concat(databaseFiles(databasePath).map((file) => readFileSync(file))),
      "database files"
    )
  })

  // Regression: the DeliveryError once kept the HttpClient error (and its request body: the code).
  it("the logged DeliveryError object of a failed webhook does not hold the code", async () => {
    const { secrets, server } = await webhookFlow()
    expect(server.errors.join("\n")).toContain("DeliveryError")
    expectNoSecretsInText(secrets, server.errors.join("\n"), "logged error objects")
  })
})
