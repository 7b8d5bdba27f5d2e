/**
 * EMAIL codes over SMTP against a real SMTP server (`smtp-server` on loopback): production routes
 * EMAIL by SMTP and SMS by webhook, the sandbox sends EMAIL codes both to the outbox and by SMTP,
 * TLS (`smtps://`) works, and a refused message, a server that is down and one that hangs all give
 * the documented 500 with no code stored, nothing secret logged, and bounded time.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Either, Option, Redacted } from "effect"
import { createServer, type Server } from "node:http"
import { describeConfigError } from "../../src/internal/OneLine.js"
import { Accounts } from "../../src/Server/Accounts/Accounts.js"
import { serverSettings } from "../../src/Server/Config.js"
import { generateMasterKeyBase64 } from "../../src/Server/Crypto/MasterKey.js"
import { generateSigningJwk } from "../../src/Server/Crypto/SigningKey.js"
import { SecurityEvents } from "../../src/Server/Events/SecurityEvents.js"
import { codeMail, durationInWords, escapeHtml } from "../../src/Server/Otp/CodeMail.js"
import { call } from "../support/Http.js"
import { startLoggedServer } from "../support/LoggedServer.js"
import { freePort } from "../support/Ports.js"
import { type RunningServer, startServer, startupFailure } from "../support/Server.js"
import { startSilentServer, startSmtpReceiver } from "../support/SmtpReceiver.js"
import { freshSqliteUrl } from "../support/Stores.js"

const password = "smtp delivery password"
const smtpCredentials = { user: "mailer", pass: "smtp-pass-9f3K" }
const mailFrom = "Rampart Test <codes@example.test>"
const internalError = { status: 500, body: { _tag: "InternalError", message: "Internal error" } }

const productionKeys = () => ({
  mode: "production" as const,
  secretKey: Option.some(Redacted.make(generateMasterKeyBase64())),
  signingKey: Option.some(Redacted.make(generateSigningJwk()))
})

/** The settings that send EMAIL codes by SMTP to `url`. */
const smtpTo = (url: string) => ({ smtpUrl: Option.some(Redacted.make(new URL(url))), mailFrom })

/** The 6-digit code in a received mail's text. */
const codeIn = (text: string): string => {
  const match = /^\s+([0-9]{6})$/m.exec(text)
  if (match === null) throw new Error(`no code in: ${text}`)
  return match[1]!
}

/** Logs `email` in (creating the account through the domain service first, as production has no /sandbox routes). */
const productionUser = async (server: RunningServer, email: string) => {
  await server.runtime.runPromise(
    Effect.flatMap(Accounts, (accounts) => accounts.createUser(email, Redacted.make(password)))
  )
  const login = await call(server.url, "POST", "/auth/login", { body: { email, password } })
  expect(login.status).toBe(200)
  return login.body.idToken as string
}

/** A sandbox account, logged in. */
const sandboxUser = async (server: RunningServer, email: string) => {
  expect((await call(server.url, "POST", "/sandbox/users", { body: { email, password } })).status).toBe(201)
  return (await call(server.url, "POST", "/auth/login", { body: { email, password } })).body.idToken as string
}

/** The stored `otp.delivery_failed` events, as `{ userId, channel, reason }`. */
const deliveryFailures = (server: RunningServer) =>
  server.runtime.runPromise(
    Effect.map(
      Effect.flatMap(SecurityEvents, (events) => events.after(0, 1000)),
      (all) =>
        all.filter((e) => e.type === "otp.delivery_failed").map(({ channel, reason, userId }) => ({
          userId,
          channel,
          reason
        }))
    )
  )

/** The user id behind an idToken (its `sub`). */
const subjectOf = (idToken: string): string =>
  JSON.parse(Buffer.from(idToken.split(".")[1]!, "base64url").toString("utf8")).sub

const verifyEmail = (server: RunningServer, idToken: string, code: string) =>
  call(server.url, "POST", "/auth/otp/code", { body: { channel: "EMAIL" }, token: idToken, headers: { "x-otp": code } })

describe("the code email", () => {
  it("says what the code is for and how long it lives, with everything interpolated into HTML escaped", () => {
    const mail = codeMail("o'brien&<x>@example.com", "123456")
    expect(mail.subject).toBe("Your Rampart verification code (valid for 5 minutes)")
    expect(mail.text).toContain("Your Rampart verification code for the account o'brien&<x>@example.com is:")
    expect(mail.text).toContain("123456")
    expect(mail.text).toContain("valid for 5 minutes")
    expect(mail.html).toContain("o&#39;brien&amp;&lt;x&gt;@example.com")
    expect(mail.html).not.toContain("<x>")
    expect(mail.html).toContain("valid for 5 minutes")
    expect(escapeHtml(`<a href="x">&'`)).toBe("&lt;a href=&quot;x&quot;&gt;&amp;&#39;")
    expect([durationInWords(60_000), durationInWords(300_000), durationInWords(90_000)]).toEqual([
      "1 minute",
      "5 minutes",
      "90 seconds"
    ])
  })
})

describe("RAMPART_SMTP_URL and RAMPART_MAIL_FROM", () => {
  const read = (env: Record<string, string>) =>
    Effect.runSync(
      Effect.either(Effect.withConfigProvider(serverSettings, ConfigProvider.fromMap(new Map(Object.entries(env)))))
    )

  it("take smtp:// and smtps:// URLs (kept redacted) and default the sender", () => {
    const settings = Either.getOrThrow(read({ RAMPART_SMTP_URL: "smtps://u:secret-pw@mail.example.com:465" }))
    expect(Option.map(settings.smtpUrl, (url) => Redacted.value(url).host)).toEqual(Option.some("mail.example.com:465"))
    expect(String(settings.smtpUrl)).not.toContain("secret-pw")
    expect(settings.mailFrom).toBe("Rampart <no-reply@localhost>")
    expect(Either.getOrThrow(read({})).smtpUrl).toEqual(Option.none())
    expect(Either.getOrThrow(read({ RAMPART_MAIL_FROM: mailFrom })).mailFrom).toBe(mailFrom)
  })

  it("refuse anything else with a one-line error naming the variable and not repeating the value", () => {
    for (const value of ["http://u:secret-pw@mail.example.com", "mail.example.com:25", "smtp://", "smtp:secret-pw"]) {
      const result = read({ RAMPART_SMTP_URL: value })
      expect(Either.isLeft(result)).toBe(true)
      const line = describeConfigError(Either.getLeft(result).pipe(Option.getOrThrow))
      expect(line).toContain("RAMPART_SMTP_URL")
      expect(line).not.toContain("secret-pw")
    }
  })

  it("production with SMTP but without the webhook refuses to start, naming RAMPART_OTP_WEBHOOK_URL", async () => {
    const failure = await startupFailure(freshSqliteUrl(), { ...productionKeys(), ...smtpTo("smtp://127.0.0.1:9") })
    expect(failure).toContain("RAMPART_OTP_WEBHOOK_URL is required in production mode")
  })
})

describe("delivery by SMTP", () => {
  let webhook: Server
  let webhookUrl: string
  const hooked: Array<{ channel: string; to: string; code: string }> = []
  const stops: Array<() => Promise<void>> = []
  /** Closes `stop` after the test. */
  const later = <A extends { readonly close: () => Promise<void> }>(resource: A): A => {
    stops.push(resource.close)
    return resource
  }

  beforeAll(async () => {
    webhook = createServer((request, response) => {
      let body = ""
      request.on("data", (chunk) => (body += chunk))
      request.on("end", () => {
        hooked.push(JSON.parse(body))
        response.writeHead(204).end()
      })
    })
    await new Promise<void>((resolve) => webhook.listen(0, "127.0.0.1", resolve))
    const address = webhook.address()
    webhookUrl = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}/otp`
  })
  afterEach(async () => {
    // servers first (they may hold SMTP connections), then the receivers
    for (const stop of stops.splice(0).reverse()) await stop()
    hooked.length = 0
  })
  afterAll(() => new Promise<void>((resolve) => webhook.close(() => resolve())))

  it("production: EMAIL codes by SMTP (logged in, purpose and lifetime said), SMS codes by the webhook", async () => {
    const smtp = later(await startSmtpReceiver({ credentials: smtpCredentials }))
    const server = later(
      await startLoggedServer(freshSqliteUrl(), {
        ...productionKeys(),
        otpWebhookUrl: Option.some(webhookUrl),
        ...smtpTo(smtp.url)
      })
    )
    const email = "o'brien@example.com"
    const idToken = await productionUser(server, email)

    const requested = await call(server.url, "GET", "/auth/otp/code?method=EMAIL", { token: idToken })
    expect(requested.status).toBe(201)
    expect(requested.body).toMatchObject({ channel: "EMAIL", validated: false })
    expect(smtp.logins).toEqual([smtpCredentials])
    expect(smtp.mails).toHaveLength(1)
    const mail = smtp.mails[0]!
    expect(mail.envelopeTo).toEqual([email])
    expect(mail.envelopeFrom).toBe("codes@example.test")
    expect(mail.headers.get("from")).toBe(mailFrom)
    expect(mail.headers.get("to")).toBe(email)
    expect(mail.subject).toBe("Your Rampart verification code (valid for 5 minutes)")
    const code = codeIn(mail.text)
    expect(mail.text).toContain(`Your Rampart verification code for the account ${email} is:`)
    expect(mail.text).toContain("valid for 5 minutes")
    expect(mail.html).toContain("Rampart verification code for the account <strong>o&#39;brien@example.com</strong>")
    expect(mail.html).toContain(`<strong>${code}</strong>`)
    expect(mail.html).toContain("valid for 5 minutes")
    expect(hooked).toEqual([])

    const verified = await verifyEmail(server, idToken, code)
    expect(verified.status).toBe(200)
    expect(verified.body.hasValidatedEmail).toBe(true)

    // adding a phone sends its SMS code to the webhook, not by mail
    expect(
      (await call(server.url, "POST", "/auth/otp/methods/sms", {
        body: { phone: "612345678", country: "ES" },
        token: idToken
      })).status
    ).toBe(200)
    expect(hooked).toEqual([{ channel: "SMS", to: "+34612345678", code: expect.stringMatching(/^[0-9]{6}$/) }])
    expect(smtp.mails).toHaveLength(1)
    const sms = await call(server.url, "POST", "/auth/otp/code", {
      body: { channel: "SMS" },
      token: idToken,
      headers: { "x-otp": hooked[0]!.code }
    })
    expect(sms.body.hasValidatedPhone).toBe(true)

    const logs = server.logs.join("\n") + server.errors.join("\n")
    expect(logs).not.toContain(smtpCredentials.pass)
    expect(logs).not.toContain(code)
  })

  it("sandbox: an EMAIL code goes to the outbox and by SMTP, the same code", async () => {
    const smtp = later(await startSmtpReceiver())
    const server = later(await startServer(freshSqliteUrl(), smtpTo(smtp.url)))
    const email = "both@example.com"
    const idToken = await sandboxUser(server, email)
    expect((await call(server.url, "GET", "/auth/otp/code?method=EMAIL", { token: idToken })).status).toBe(201)
    const outbox = (await call(server.url, "GET", `/sandbox/outbox?to=${email}`)).body
    expect(outbox).toHaveLength(1)
    expect(smtp.mails).toHaveLength(1)
    expect(codeIn(smtp.mails[0]!.text)).toBe(outbox[0].code)
    expect((await verifyEmail(server, idToken, outbox[0].code)).body.hasValidatedEmail).toBe(true)
  })

  it("smtps:// (TLS from the first byte) delivers too", async () => {
    const smtp = later(await startSmtpReceiver({ secure: true, credentials: smtpCredentials }))
    const server = later(await startServer(freshSqliteUrl(), smtpTo(smtp.url)))
    const idToken = await sandboxUser(server, "tls@example.com")
    expect((await call(server.url, "GET", "/auth/otp/code?method=EMAIL", { token: idToken })).status).toBe(201)
    expect(smtp.logins).toEqual([smtpCredentials])
    expect(smtp.mails).toHaveLength(1)
  })

  it("a refused message: 500 InternalError, the code was not stored (unusable, no resend wait), nothing secret logged", async () => {
    const smtp = later(await startSmtpReceiver({ credentials: smtpCredentials }))
    const server = later(
      await startLoggedServer(freshSqliteUrl(), {
        ...productionKeys(),
        otpWebhookUrl: Option.some(webhookUrl),
        ...smtpTo(smtp.url)
      })
    )
    const idToken = await productionUser(server, "refused@example.com")
    smtp.refuseWith = 550
    expect(await call(server.url, "GET", "/auth/otp/code?method=EMAIL", { token: idToken })).toEqual(internalError)
    expect(smtp.refused).toHaveLength(1)
    const refusedCode = codeIn(smtp.refused[0]!.text)
    expect((await verifyEmail(server, idToken, refusedCode)).body._tag).toBe("InvalidOtp")
    expect(await deliveryFailures(server)).toEqual([
      { userId: subjectOf(idToken), channel: "EMAIL", reason: "SMTP delivery failed: EMESSAGE (SMTP 550)" }
    ])

    smtp.refuseWith = undefined
    // not stored as sent: the 60 s spacing does not hold the next request back
    expect((await call(server.url, "GET", "/auth/otp/code?method=EMAIL", { token: idToken })).status).toBe(201)
    expect(smtp.mails).toHaveLength(1)
    const code = codeIn(smtp.mails[0]!.text)
    expect((await verifyEmail(server, idToken, code)).body.hasValidatedEmail).toBe(true)
    expect(hooked).toEqual([])

    const logs = server.logs.join("\n")
    expect(logs).toContain("SMTP delivery failed: EMESSAGE (SMTP 550)")
    for (const text of [logs, server.errors.join("\n")]) {
      expect(text).not.toContain(refusedCode)
      expect(text).not.toContain(code)
      expect(text).not.toContain(smtpCredentials.pass)
      expect(text).not.toContain("Message refused by policy")
    }
  })

  it("wrong SMTP credentials: 500 InternalError, the log says EAUTH and holds neither password", async () => {
    const smtp = later(await startSmtpReceiver({ credentials: smtpCredentials }))
    const wrong = smtp.url.replace(encodeURIComponent(smtpCredentials.pass), "wrong-pass-7Qz")
    const server = later(await startLoggedServer(freshSqliteUrl(), smtpTo(wrong)))
    const idToken = await sandboxUser(server, "auth@example.com")
    expect(await call(server.url, "GET", "/auth/otp/code?method=EMAIL", { token: idToken })).toEqual(internalError)
    expect(smtp.logins).toEqual([{ user: smtpCredentials.user, pass: "wrong-pass-7Qz" }])
    expect(smtp.mails).toEqual([])
    const logs = server.logs.join("\n") + server.errors.join("\n")
    expect(logs).toContain("SMTP delivery failed: EAUTH (SMTP 535)")
    expect(logs).not.toContain("wrong-pass-7Qz")
    expect(logs).not.toContain(smtpCredentials.pass)
  })

  it("a server that is down: 500 InternalError at once, and the sandbox outbox keeps nothing", async () => {
    const port = await freePort()
    const server = later(
      await startLoggedServer(
        freshSqliteUrl(),
        smtpTo(`smtp://${smtpCredentials.user}:${smtpCredentials.pass}@127.0.0.1:${port}`)
      )
    )
    const email = "down@example.com"
    const idToken = await sandboxUser(server, email)
    const started = Date.now()
    expect(await call(server.url, "GET", "/auth/otp/code?method=EMAIL", { token: idToken })).toEqual(internalError)
    expect(Date.now() - started).toBeLessThan(5_000)
    expect((await call(server.url, "GET", `/sandbox/outbox?to=${email}`)).body).toEqual([])
    expect(server.logs.join("\n")).toContain("SMTP delivery failed: ESOCKET")
    expect(await deliveryFailures(server)).toEqual([{
      userId: subjectOf(idToken),
      channel: "EMAIL",
      reason: "SMTP delivery failed: ESOCKET"
    }])
    expect(server.logs.join("\n") + server.errors.join("\n")).not.toContain(smtpCredentials.pass)
  })

  it("a server that accepts the connection and never answers: 500 InternalError within the delivery timeout", async () => {
    const silent = later(await startSilentServer())
    const server = later(
      await startServer(freshSqliteUrl(), {
        ...smtpTo(`smtp://127.0.0.1:${silent.port}`),
        deliveryTimeout: Duration.millis(500)
      })
    )
    const idToken = await sandboxUser(server, "hang@example.com")
    const started = Date.now()
    expect(await call(server.url, "GET", "/auth/otp/code?method=EMAIL", { token: idToken })).toEqual(internalError)
    const elapsed = Date.now() - started
    expect(elapsed).toBeGreaterThanOrEqual(400)
    expect(elapsed).toBeLessThan(5_000)
  })
})
