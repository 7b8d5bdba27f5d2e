/**
 * The `/docs` page in a real browser: headless Chromium loads it from an in-process server, lets
 * Scalar render (it builds the page client-side from the inline OpenAPI JSON), and the rendered
 * page — with every `<script>` and `<style>` removed, so the inline JSON does not count — lists the
 * endpoints of both seeds. Skipped where Chromium is not installed.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { execFile } from "node:child_process"
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { CHROMIUM, chromiumFlags } from "../support/Chromium.js"
import { type RunningServer, startServer } from "../support/Server.js"
import { freshSqliteUrl } from "../support/Stores.js"

/** The DOM after Chromium ran the page's scripts for up to 15 s of virtual time. */
const renderedDom = (url: string, profile: string): Promise<string> =>
  new Promise((resolve, reject) => {
    execFile(
      CHROMIUM,
      [
        ...chromiumFlags,
        "--disable-quic",
        `--user-data-dir=${profile}`,
        "--virtual-time-budget=15000",
        "--dump-dom",
        url
      ],
      { encoding: "utf8", maxBuffer: 1 << 26, timeout: 150_000 },
      (
        error,
        stdout,
        stderr
      ) => (error ? reject(new Error(`${error.message}\n${stderr.slice(-2000)}`)) : resolve(stdout))
    )
  })

/** The text a reader sees: no scripts, no styles, no tags, whitespace collapsed. */
const visibleText = (dom: string): string =>
  dom
    .replace(/<script\b[^>]*>[\s\S]*?<\/script>/gi, " ")
    .replace(/<style\b[^>]*>[\s\S]*?<\/style>/gi, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/&nbsp;/g, " ")
    .replace(/[\s\u200b]+/g, " ")

describe.skipIf(!existsSync(CHROMIUM))("GET /docs in headless Chromium", () => {
  let server: RunningServer
  let profile: string
  let dom: string

  beforeAll(async () => {
    server = await startServer(freshSqliteUrl())
    profile = mkdtempSync(join(tmpdir(), "rampart-chromium-"))
    dom = await renderedDom(`${server.url}/docs`, profile)
  }, 180_000)
  afterAll(async () => {
    await server?.close()
    if (profile !== undefined) rmSync(profile, { recursive: true, force: true })
  })

  it("Scalar rendered the page (not just the inline document)", () => {
    const text = visibleText(dom)
    expect(text).toContain("Rampart")
    expect(text).toContain("OAS 3.1.0")
    expect(text).toContain("Login with email and password")
  })

  it("lists the Criptan endpoints (seed 002) and the KriptoAPI partner endpoints (seed 000)", () => {
    const text = visibleText(dom)
    for (const group of ["Auth (Criptan)", "OTP (Criptan)", "Partners (KriptoAPI)"]) expect(text).toContain(group)
    const endpoints = [
      "post /auth/login",
      "post /auth/login/refresh",
      "post /auth/otp/methods/sms",
      "post /auth/otp/methods/totp",
      "delete /auth/otp/methods/totp",
      "get /auth/otp/code",
      "post /auth/otp/code",
      "post /api/v1/partners/auth/login",
      "post /api/v1/partners/auth/logout"
    ]
    for (const endpoint of endpoints) expect(text, endpoint).toContain(endpoint)
  })

  /** Absolute addresses outside the server that `matches` found. */
  const foreign = (matches: IterableIterator<RegExpMatchArray>) =>
    [...new Set([...matches].map((match) => match[1]!))].filter((address) => !address.startsWith(server.url))

  it("is served offline: no script or stylesheet from another origin", () => {
    expect(foreign(dom.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)="(https?:\/\/[^"]+)"/gi))).toEqual([])
  })

  // SPEC: "/docs ... served offline — no CDN". Scalar injects @font-face rules loading fonts from
  // https://fonts.scalar.com unless its config says `withDefaultFonts: false` (src/Server/Http/Routes.ts).
  it("rendered styles load nothing from another origin (fonts included)", () => {
    const styles = [...dom.matchAll(/<style\b[^>]*>([\s\S]*?)<\/style>/gi)].map((match) => match[1]!).join("\n")
    expect(foreign(styles.matchAll(/url\(\s*["']?(https?:\/\/[^)"']+)/gi))).toEqual([])
  })
})
