/**
 * OpenTelemetry export: `npm start`'s server with `OTEL_EXPORTER_OTLP_ENDPOINT` pointing at a local
 * OTLP/HTTP receiver that decodes what it gets (protobuf, the spec's default, and JSON), on both
 * transports. A login is a `POST /auth/login` server span with its domain spans under it, in one
 * trace, flushed when the server stops on SIGTERM; no secret is in any attribute. Without the
 * variable, the export modules are not even loaded.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { call } from "../support/Http.js"
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "../support/OtlpReceiver.js"
import { startServerProcess } from "../support/ServerProcess.js"

const password = "otel password 5ecret"
const moduleHook = ["--import", "./test/support/ModuleLog.mjs"]

/** A fresh file for the module log of one server process. */
const moduleLogFile = () => join(mkdtempSync(join(tmpdir(), "rampart-modules-")), "modules.txt")

/** Whether the process that wrote `file` loaded any module of @effect/opentelemetry. */
const loadedOpenTelemetry = (file: string) =>
  readFileSync(file, "utf8").includes("/node_modules/@effect/opentelemetry/")

/** The ancestors of `span` among `spans`, nearest first. */
const ancestors = (spans: ReadonlyArray<ReceivedSpan>, span: ReceivedSpan): Array<ReceivedSpan> => {
  const out: Array<ReceivedSpan> = []
  for (
    let parent = spans.find((s) => s.spanId === span.parentSpanId);
    parent !== undefined;
    parent = spans.find((s) => s.spanId === parent!.parentSpanId)
  ) {
    out.push(parent)
  }
  return out
}

/** A user's login, a refresh and an EMAIL code checked with `x-otp`, on a traced server; what the receiver got and the secrets used. */
const tracedSession = async (receiver: OtlpReceiver, env: Record<string, string>) => {
  const modules = moduleLogFile()
  const server = await startServerProcess(
    { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, RAMPART_LOG_FORMAT: "off", RAMPART_TEST_MODULE_LOG: modules, ...env },
    moduleHook
  )
  const email = `otel-${Math.random().toString(36).slice(2, 8)}@example.com`
  expect((await call(server.url, "POST", "/sandbox/users", { body: { email, password } })).status).toBe(201)
  const login = await call(server.url, "POST", "/auth/login", { body: { email, password } })
  expect(login.status).toBe(200)
  const refreshed = await call(server.url, "POST", "/auth/login/refresh", {
    body: { refreshToken: login.body.refreshToken }
  })
  expect(refreshed.status).toBe(200)
  expect((await call(server.url, "GET", "/auth/otp/code?method=EMAIL", { token: login.body.idToken })).status).toBe(201)
  const code = (await call(server.url, "GET", `/sandbox/outbox?to=${encodeURIComponent(email)}`)).body[0].code as string
  const verified = await call(server.url, "POST", "/auth/otp/code", {
    body: { channel: "EMAIL" },
    token: login.body.idToken,
    headers: { "x-otp": code }
  })
  expect(verified.status).toBe(200)
  // The spans are exported every 5 s; those of the last seconds are flushed on SIGTERM.
  expect(await server.stop()).toBe(0)
  const secrets = [
    password,
    login.body.idToken,
    login.body.refreshToken,
    refreshed.body.idToken,
    refreshed.body.refreshToken,
    code
  ]
  return { spans: [...receiver.spans], bodies: [...receiver.bodies], secrets, loaded: loadedOpenTelemetry(modules) }
}

describe.each(
  [
    ["fast", "http/protobuf"],
    ["platform", "http/json"]
  ] as const
)("OTLP export on the %s transport, %s", (transport, protocol) => {
  let receiver: OtlpReceiver
  let session: Awaited<ReturnType<typeof tracedSession>>
  beforeAll(async () => {
    receiver = await startOtlpReceiver()
    session = await tracedSession(receiver, {
      RAMPART_HTTP: transport,
      ...(protocol === "http/json" ? { OTEL_EXPORTER_OTLP_PROTOCOL: protocol } : {})
    })
  }, 60_000)
  afterAll(() => receiver.close())

  it("sends the spans of service rampart in the protocol asked, having loaded the exporter", () => {
    expect(session.loaded).toBe(true)
    expect(session.bodies.length).toBeGreaterThan(0)
    for (const body of session.bodies) {
      expect(body.contentType).toBe(protocol === "http/json" ? "application/json" : "application/x-protobuf")
    }
    expect(new Set(session.spans.map((span) => span.serviceName))).toEqual(new Set(["rampart"]))
  })

  it("records a login as a server span POST /auth/login with its status, Accounts.login under it in the same trace", () => {
    const requests = session.spans.filter((span) => span.name === "POST /auth/login")
    expect(requests).toHaveLength(1)
    const request = requests[0]!
    expect(request.kind).toBe(2) // SERVER
    expect(request.parentSpanId).toBe("")
    expect(request.attributes).toMatchObject({
      "http.request.method": "POST",
      "http.route": "/auth/login",
      "url.path": "/auth/login",
      "http.response.status_code": 200,
      "client.address": "127.0.0.1"
    })
    expect(request.attributes["rampart.request_id"]).toEqual(expect.any(String))
    const login = session.spans.find((span) => span.name === "Accounts.login" && span.traceId === request.traceId)
    expect(login).toBeDefined()
    expect(ancestors(session.spans, login!).map((span) => span.spanId)).toContain(request.spanId)
    // Every span of that trace descends from the request span.
    for (const span of session.spans.filter((s) => s.traceId === request.traceId && s !== request)) {
      expect(ancestors(session.spans, span).at(-1)?.spanId).toBe(request.spanId)
    }
  })

  it("records the other requests with their routes and statuses, the query left out", () => {
    const byName = (name: string) => session.spans.find((span) => span.name === name)
    expect(byName("POST /auth/login/refresh")?.attributes["http.response.status_code"]).toBe(200)
    expect(byName("GET /auth/otp/code")?.attributes).toMatchObject({
      "http.response.status_code": 201,
      "url.path": "/auth/otp/code"
    })
    expect(byName("POST /auth/otp/code")?.attributes["http.response.status_code"]).toBe(200)
    expect(byName("GET /sandbox/outbox")?.attributes["url.path"]).toBe("/sandbox/outbox")
  })

  it("has no password, token or code anywhere in what it sent, and no header or query attribute", () => {
    for (const body of session.bodies) for (const secret of session.secrets) expect(body.text).not.toContain(secret)
    for (const span of session.spans) {
      for (const [key, value] of Object.entries(span.attributes)) {
        expect(key).not.toMatch(/^http\.(request|response)\.header\.|^url\.(full|query)$/)
        for (const secret of session.secrets) expect(String(value)).not.toContain(secret)
      }
    }
    expect(session.bodies.map((body) => body.text).join("")).not.toContain("outbox?to=")
  })
})

describe("without OTEL_EXPORTER_OTLP_ENDPOINT", () => {
  it("does not load @effect/opentelemetry and serves as usual", async () => {
    const modules = moduleLogFile()
    const server = await startServerProcess({ RAMPART_LOG_FORMAT: "off", RAMPART_TEST_MODULE_LOG: modules }, moduleHook)
    const email = `no-otel-${Math.random().toString(36).slice(2, 8)}@example.com`
    expect((await call(server.url, "POST", "/sandbox/users", { body: { email, password } })).status).toBe(201)
    expect((await call(server.url, "POST", "/auth/login", { body: { email, password } })).status).toBe(200)
    expect(await server.stop()).toBe(0)
    // The hook did log the server's modules (its own, and the platform's)...
    expect(readFileSync(modules, "utf8")).toContain("/dist/Server/main.js")
    expect(readFileSync(modules, "utf8")).toContain("/node_modules/@effect/platform/")
    // ...but none of the exporter's.
    expect(loadedOpenTelemetry(modules)).toBe(false)
  })
})
