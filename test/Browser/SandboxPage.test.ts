/**
 * The sandbox page (`GET /sandbox`, issue 14) in a real browser: headless Chromium (puppeteer-core)
 * loads it from an in-process server, sees the clock and the accounts, clicks "+1 h" and sees sandbox
 * time an hour later, shows the partner's TOTP code for sandbox time (not wall time) with its QR
 * code, shows an EMAIL code requested over HTTP in the outbox and the events it caused, resets the
 * sandbox, loads nothing from another origin, and leaves a screenshot in the test's temp dir.
 * Skipped where Chromium is not installed. In production mode the page is a JSON 404.
 */
import { Either } from "effect"
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import puppeteer, { type Browser, type Page } from "puppeteer-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { totpAt } from "../../src/Totp.js"
import { CHROMIUM, chromiumFlags } from "../support/Chromium.js"
import { call } from "../support/Http.js"
import { type RunningServer, startProductionServer, startServer } from "../support/Server.js"
import { freshSqliteUrl } from "../support/Stores.js"

const password = "sandbox page password"
const userEmail = "page-user@example.com"
const partnerEmail = "page-partner@example.com"

/** The TOTP code of `secret` at `epochMs`. */
const codeAt = (secret: string, epochMs: number) => Either.getOrThrow(totpAt(secret, Math.floor(epochMs / 1000)))

/** Sandbox time now, as `GET /sandbox/clock` says. */
const sandboxClock = async (url: string) => {
  const answer = await call(url, "GET", "/sandbox/clock")
  return { nowMs: Date.parse(answer.body.now), offsetSeconds: answer.body.offsetSeconds as number }
}

/** Retries `probe` until it returns a value (not undefined) or `timeoutMs` passes. */
const eventually = async <A>(probe: () => Promise<A | undefined>, what: string, timeoutMs = 15_000): Promise<A> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe.skipIf(!existsSync(CHROMIUM))("GET /sandbox in headless Chromium", () => {
  let server: RunningServer
  let browser: Browser
  let page: Page
  let dir: string
  let partnerSecret: string
  const requested: Array<string> = []
  const problems: Array<string> = []
  const dialogs: Array<string> = []

  /** The page's clock: shown sandbox time (ms) and offset (s). */
  const shownClock = () =>
    page.evaluate(() => ({
      nowMs: Date.parse(document.querySelector<HTMLTimeElement>("#clock-now")!.dateTime),
      offsetSeconds: Number(document.querySelector<HTMLElement>("#clock-offset")!.dataset["seconds"])
    }))

  /** The partner's TOTP code as the page shows it. */
  const shownPartnerCode = () =>
    page.$eval(`[data-email="${partnerEmail}"] [data-testid="totp-code"]`, (code) => code.textContent ?? "")

  beforeAll(async () => {
    server = await startServer(freshSqliteUrl())
    const partner = await call(server.url, "POST", "/sandbox/partners", { body: { email: partnerEmail, password } })
    expect(partner.status).toBe(201)
    partnerSecret = partner.body.totp_secret
    expect((await call(server.url, "POST", "/sandbox/users", { body: { email: userEmail, password } })).status).toBe(
      201
    )

    dir = mkdtempSync(join(tmpdir(), "rampart-sandbox-page-"))
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      userDataDir: join(dir, "profile"),
      args: [...chromiumFlags]
    })
    page = await browser.newPage()
    await page.setViewport({ width: 1280, height: 900 })
    page.on("request", (request) => requested.push(request.url()))
    page.on("pageerror", (error) => problems.push(`page error: ${String(error)}`))
    // A CSP violation (a hash that does not match, a foreign load) is reported as a console error.
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(`console: ${message.text()}`)
    })
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message())
      void dialog.accept()
    })
    await page.goto(`${server.url}/sandbox`, { waitUntil: "load" })
    await page.waitForFunction(
      (email) =>
        document.querySelector("#clock-offset")?.getAttribute("data-seconds") !== null &&
        /^[0-9]{6}$/.test(
          document.querySelector(`[data-email="${email}"] [data-testid="totp-code"]`)?.textContent ?? ""
        ),
      { timeout: 20_000 },
      partnerEmail
    )
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  })

  it("is served as HTML with a strict Content-Security-Policy", async () => {
    const answer = await fetch(`${server.url}/sandbox`)
    expect(answer.status).toBe(200)
    expect(answer.headers.get("content-type")).toContain("text/html")
    const csp = answer.headers.get("content-security-policy") ?? ""
    expect(csp).toContain("default-src 'none'")
    expect(csp).toContain("connect-src 'self'")
    expect(csp).not.toContain("unsafe-inline")
  })

  it("lists the user and the partner, with the partner's client id, TOTP secret and QR code", async () => {
    const cards = await page.$$eval("[data-testid=\"account\"]", (nodes) =>
      nodes.map((node) => ({
        email: node.getAttribute("data-email"),
        clientIds: node.querySelector("[data-testid=\"client-ids\"]")?.textContent,
        secret: node.querySelector("[data-testid=\"totp-secret\"]")?.textContent ?? null
      })))
    const accounts = (await call(server.url, "GET", "/sandbox/accounts")).body
    const partner = accounts.users.find((user: { email: string }) => user.email === partnerEmail)
    expect(cards).toEqual([
      // newest first, as GET /sandbox/accounts lists them
      { email: userEmail, clientIds: "none", secret: null },
      { email: partnerEmail, clientIds: partner.clientIds.join(", "), secret: partnerSecret }
    ])
    const qr = await page.$eval(`[data-email="${partnerEmail}"] img[data-testid="totp-qr"]`, (img) => ({
      src: (img as HTMLImageElement).src,
      width: (img as HTMLImageElement).naturalWidth,
      complete: (img as HTMLImageElement).complete
    }))
    expect(qr.src.startsWith("data:image/svg+xml")).toBe(true)
    expect(decodeURIComponent(qr.src.slice(qr.src.indexOf(",") + 1))).toBe(partner.totp.qrSvg)
    expect(qr.complete).toBe(true)
    expect(qr.width).toBeGreaterThan(0) // the SVG decoded as an image
  })

  it("\"+1 h\" moves the shown sandbox time an hour on, and GET /sandbox/clock agrees", async () => {
    const before = await shownClock()
    expect(before.offsetSeconds).toBe(0)
    await page.click("button[data-advance=\"3600\"]")
    await page.waitForFunction(
      (expected) => document.querySelector("#clock-offset")?.getAttribute("data-seconds") === String(expected),
      { timeout: 10_000 },
      before.offsetSeconds + 3600
    )
    const after = await shownClock()
    expect(await page.$eval("#clock-offset", (node) => node.textContent)).toBe("+1 h")
    const jumpedSeconds = (after.nowMs - before.nowMs) / 1000
    expect(jumpedSeconds).toBeGreaterThanOrEqual(3599) // a second of leeway for the page's local tick
    expect(jumpedSeconds).toBeLessThan(3600 + 30) // an hour, plus the seconds the test took
    const server_ = await sandboxClock(server.url)
    expect(server_.offsetSeconds).toBe(3600)
    expect(Math.abs(server_.nowMs - after.nowMs)).toBeLessThan(5_000)
  })

  it("shows the partner's TOTP code for sandbox time, not wall time", async () => {
    const shown = await eventually(async () => {
      const { nowMs } = await sandboxClock(server.url)
      const code = await shownPartnerCode()
      return code === codeAt(partnerSecret, nowMs) ? code : undefined
    }, "the page to show the code of sandbox time")
    const wall = Date.now()
    expect([wall - 30_000, wall, wall + 30_000].map((ms) => codeAt(partnerSecret, ms))).not.toContain(shown)
  })

  it("shows an EMAIL code requested over HTTP in the outbox, highlighted as new", async () => {
    const login = await call(server.url, "POST", "/auth/login", { body: { email: userEmail, password } })
    expect(login.status).toBe(200)
    const requested = await call(server.url, "GET", "/auth/otp/code?method=EMAIL", { token: login.body.idToken })
    expect(requested.status).toBe(201)
    const code = (await call(server.url, "GET", `/sandbox/outbox?to=${encodeURIComponent(userEmail)}`)).body[0]
      .code as string
    // The row with that code, and whether it is highlighted; waits until it is there.
    const fresh = await page.waitForFunction(
      (to, expected) => {
        const row = Array.from(document.querySelectorAll(`#outbox-list tr[data-to="${to}"]`)).find(
          (tr) => tr.querySelector("[data-testid=\"outbox-code\"]")?.textContent === expected
        )
        return row === undefined ? undefined : { fresh: row.classList.contains("fresh") }
      },
      { timeout: 10_000 },
      userEmail,
      code
    )
    expect(await fresh.jsonValue()).toEqual({ fresh: true })
  })

  it("shows the security events as they happen, newest first", async () => {
    // The login of the previous test is one; the page shows every recorded event within a poll or two.
    const recorded = (await call(server.url, "GET", "/sandbox/events")).body as Array<{ id: number; type: string }>
    expect(recorded.map((event) => event.type)).toContain("login.succeeded")
    const expected = recorded.map((event) => event.id).reverse()
    const shown = await eventually(async () => {
      const ids = await page.$$eval(
        "#events-list tr[data-testid=\"event\"]",
        (rows) => rows.map((row) => Number(row.getAttribute("data-event-id")))
      )
      return ids.length >= expected.length ? ids : undefined
    }, "the page to show the recorded events")
    expect(shown.slice(shown.length - expected.length)).toEqual(expected)
    const login = await page.$eval("#events-list tr[data-type=\"login.succeeded\"]", (row) => row.textContent ?? "")
    expect(login).toContain(userEmail) // the user is named by email, not id
  })

  it("shows the signing keys; \"Rotate signing key\" adds a new signing key and keeps the old one as previous", async () => {
    const shownKids = () =>
      page.$$eval("[data-testid=\"signing-key\"]", (nodes) => nodes.map((node) => node.getAttribute("data-kid")))
    const jwksKids = async () =>
      ((await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string }> }).keys
        .map((
          key
        ) => key.kid)
    const before = await eventually(async () => ((await shownKids()).length > 0 ? shownKids() : undefined), "the keys")
    expect(before).toEqual(await jwksKids())
    await page.click("#rotate-keys")
    const after = await eventually(
      async () => ((await shownKids()).length === before.length + 1 ? shownKids() : undefined),
      "the rotated keys"
    )
    expect(after).toEqual(await jwksKids())
    expect(after.slice(1)).toEqual(before)
  })

  it("saves a screenshot (a PNG) under the test's temp dir", async () => {
    const file = join(dir, "sandbox.png")
    await page.screenshot({ path: file, fullPage: true })
    expect(existsSync(file)).toBe(true)
    expect(statSync(file).size).toBeGreaterThan(1000)
    expect([...readFileSync(file).subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
  })

  it("\"Reset sandbox\" asks first, then the sandbox and the page are empty and back on wall time", async () => {
    await page.click("#reset")
    await page.waitForFunction(
      () =>
        document.querySelector("#clock-offset")?.getAttribute("data-seconds") === "0" &&
        document.querySelectorAll("[data-testid=\"account\"]").length === 0 &&
        document.querySelectorAll("#events-list tr[data-testid=\"event\"]").length === 0 &&
        document.querySelectorAll("#outbox-list tr[data-testid=\"outbox-message\"]").length === 0,
      { timeout: 10_000 }
    )
    expect(dialogs).toHaveLength(1)
    expect(dialogs[0]).toContain("Reset the sandbox?")
    expect((await sandboxClock(server.url)).offsetSeconds).toBe(0)
    expect((await call(server.url, "GET", "/sandbox/accounts")).body.users).toEqual([])
  })

  it("requested nothing from another origin, and ran without script errors or CSP violations", () => {
    expect(requested.length).toBeGreaterThan(5)
    expect(requested.filter((url) => !url.startsWith(`${server.url}/`) && !url.startsWith("data:"))).toEqual([])
    expect(problems).toEqual([])
  })
})

describe("GET /sandbox in production mode", () => {
  let server: RunningServer
  beforeAll(async () => {
    server = await startProductionServer()
  })
  afterAll(() => server?.close())

  it("is a JSON 404, not the page", async () => {
    const answer = await fetch(`${server.url}/sandbox`)
    expect(answer.status).toBe(404)
    expect(answer.headers.get("content-type")).toContain("application/json")
    expect(await answer.json()).toMatchObject({ _tag: "NotFound", message: expect.any(String) })
  })
})
