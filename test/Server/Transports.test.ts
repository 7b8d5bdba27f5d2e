/**
 * The two HTTP transports (`RAMPART_HTTP=fast|platform`) answer the same requests with the same
 * statuses, bodies and content types: routes, security, payload decoding, error mapping, body limits.
 * (The end-to-end files also run once per transport; this puts both side by side on one store.)
 */
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningServer, startServer } from "../support/Server.js"
import { freshSqliteUrl } from "../support/Stores.js"

/** A request as the parity check sends it. */
interface Probe {
  readonly name: string
  readonly method: string
  readonly path: string
  readonly body?: string
  readonly headers?: Record<string, string>
}

const json = { "content-type": "application/json" }

const probes: ReadonlyArray<Probe> = [
  { name: "health", method: "GET", path: "/health" },
  { name: "jwks", method: "GET", path: "/.well-known/jwks.json" },
  { name: "unknown route", method: "GET", path: "/nope" },
  { name: "wrong method", method: "DELETE", path: "/auth/login" },
  {
    name: "login refused",
    method: "POST",
    path: "/auth/login",
    body: JSON.stringify({ email: "x@example.com", password: "wrong" }),
    headers: json
  },
  {
    name: "login payload invalid",
    method: "POST",
    path: "/auth/login",
    body: JSON.stringify({ email: 5 }),
    headers: json
  },
  { name: "empty JSON body", method: "POST", path: "/auth/login", body: "", headers: json },
  { name: "no body at all", method: "POST", path: "/auth/login" },
  { name: "malformed JSON", method: "POST", path: "/auth/login", body: "{", headers: json },
  {
    name: "not JSON",
    method: "POST",
    path: "/auth/login",
    body: "a=b",
    headers: { "content-type": "application/x-www-form-urlencoded" }
  },
  {
    name: "too large",
    method: "POST",
    path: "/auth/login",
    body: JSON.stringify({ email: "a".repeat(70_000) }),
    headers: json
  },
  { name: "too deep", method: "POST", path: "/auth/login", body: "[".repeat(40) + "]".repeat(40), headers: json },
  {
    name: "refresh refused",
    method: "POST",
    path: "/auth/login/refresh",
    body: JSON.stringify({ refreshToken: "nope" }),
    headers: json
  },
  { name: "code request without token", method: "GET", path: "/auth/otp/code?channel=EMAIL" },
  {
    name: "code request with a bad token",
    method: "GET",
    path: "/auth/otp/code?channel=EMAIL",
    headers: { authorization: "Bearer abc" }
  },
  {
    name: "TOTP secret with a bad token",
    method: "POST",
    path: "/auth/otp/methods/totp",
    headers: { authorization: "Bearer abc" }
  },
  {
    name: "partner login refused",
    method: "POST",
    path: "/api/v1/partners/auth/login",
    body: JSON.stringify({
      email: "p@example.com",
      password: "wrong",
      client_id: 1,
      client_secret: "x",
      security_code: "000000"
    }),
    headers: json
  },
  { name: "partner logout without token", method: "POST", path: "/api/v1/partners/auth/logout" },
  { name: "openapi", method: "GET", path: "/openapi.json" }
]

/** What must be equal between transports: status, content type, and the body (JSON parsed). */
const answer = async (base: string, probe: Probe) => {
  const response = await fetch(base + probe.path, {
    method: probe.method,
    ...(probe.headers ? { headers: probe.headers } : {}),
    ...(probe.body !== undefined ? { body: probe.body } : {})
  })
  const text = await response.text()
  let body: unknown = text
  try {
    body = text === "" ? undefined : JSON.parse(text)
  } catch {
    // not JSON: compared as text
  }
  return { status: response.status, contentType: response.headers.get("content-type"), body }
}

describe("HTTP transports", () => {
  let fast: RunningServer
  let platform: RunningServer
  beforeAll(async () => {
    // One store and one state directory: the same keys, so even the JWKS must match.
    const url = freshSqliteUrl()
    const stateDirectory = mkdtempSync(join(tmpdir(), "rampart-state-"))
    fast = await startServer(url, { http: "fast", stateDirectory })
    platform = await startServer(url, { http: "platform", stateDirectory })
  })
  afterAll(async () => {
    await fast?.close()
    await platform?.close()
  })

  it("answer every probe identically", async () => {
    for (const probe of probes) {
      const [a, b] = [await answer(fast.url, probe), await answer(platform.url, probe)]
      expect({ probe: probe.name, ...a }).toEqual({ probe: probe.name, ...b })
    }
    // The probes reach their intended outcomes (the comparison alone would pass two broken servers).
    const statuses = await Promise.all(probes.map(async (p) => [p.name, (await answer(fast.url, p)).status] as const))
    expect(Object.fromEntries(statuses)).toMatchObject({
      health: 200,
      "unknown route": 404,
      "login refused": 403,
      "login payload invalid": 400,
      "malformed JSON": 400,
      "not JSON": 415,
      "too large": 413,
      "too deep": 400,
      "refresh refused": 403,
      "code request without token": 403,
      "partner login refused": 403,
      openapi: 200
    })
  })
})
