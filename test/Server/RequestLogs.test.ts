/**
 * Request logs of `npm start`'s server (a child process, on both transports): one line per request
 * on stdout, JSON with `RAMPART_LOG_FORMAT=json`, readable text by default, none with `off`; the
 * `x-request-id` of each answer is the client's sane one or a generated UUID, and its line says the
 * same; no line holds a password, a token, a code or a query string.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { type ServerProcess, startServerProcess } from "../support/ServerProcess.js"

const password = "request-log password 5ecret"
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

/** An answer's status, its `x-request-id` and its JSON body. */
const send = async (
  base: string,
  method: string,
  path: string,
  options: { body?: unknown; token?: string; headers?: Record<string, string> } = {}
) => {
  const headers: Record<string, string> = { ...options.headers }
  if (options.token !== undefined) headers["authorization"] = `Bearer ${options.token}`
  if (options.body !== undefined) headers["content-type"] = "application/json"
  const response = await fetch(base + path, {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) })
  })
  const text = await response.text()
  return {
    status: response.status,
    requestId: response.headers.get("x-request-id"),
    body: text === "" ? undefined : JSON.parse(text)
  }
}

/**
 * The stdout lines that satisfy `isLine`, once one of them names each of `answers`' request ids
 * (lines are written at the end of the server's event-loop turn, so the last may still be on its way).
 */
const linesOf = async (
  server: ServerProcess,
  isLine: (line: string) => boolean,
  answers: Record<string, { readonly requestId: string | null }>
) => {
  const ids = Object.values(answers).flatMap(({ requestId }) => (requestId === null ? [] : [requestId]))
  const logged = () => server.stdout().split("\n").filter(isLine)
  for (let i = 0; i < 40; i++) {
    const lines = logged()
    if (ids.every((id) => lines.some((line) => line.includes(id)))) return lines
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return logged()
}

/** What a user session sent and received: each answer, and the secrets it used or got. */
const session = async (url: string) => {
  const email = `log-${Math.random().toString(36).slice(2, 8)}@example.com`
  const created = await send(url, "POST", "/sandbox/users", { body: { email, password } })
  const login = await send(url, "POST", "/auth/login", { body: { email, password } })
  const refresh = await send(url, "POST", "/auth/login/refresh", { body: { refreshToken: login.body.refreshToken } })
  const requested = await send(url, "GET", "/auth/otp/code?method=EMAIL", { token: login.body.idToken })
  const outbox = await send(url, "GET", `/sandbox/outbox?to=${encodeURIComponent(email)}`)
  const code = outbox.body[0].code as string
  const verified = await send(url, "POST", "/auth/otp/code", {
    body: { channel: "EMAIL" },
    token: login.body.idToken,
    headers: { "x-otp": code }
  })
  const notFound = await send(url, "GET", "/no/such/route?apiKey=query-value-5ecret")
  const own = await send(url, "GET", "/health", { headers: { "x-request-id": "client-id_1.2-3" } })
  const hostile = await send(url, "GET", "/health", { headers: { "x-request-id": `bad id" \\ {}${"x".repeat(200)}` } })
  const tooLong = await send(url, "GET", "/health", { headers: { "x-request-id": "a".repeat(129) } })
  const notAllowed = await send(url, "GET", "/auth/login")
  const undecodable = await send(url, "POST", "/auth/login", { body: { email: 1, password } })
  const answers = {
    created,
    login,
    refresh,
    requested,
    outbox,
    verified,
    notFound,
    own,
    hostile,
    tooLong,
    notAllowed,
    undecodable
  }
  const secrets = [
    password,
    login.body.idToken,
    login.body.refreshToken,
    refresh.body.idToken,
    refresh.body.refreshToken,
    code,
    "query-value-5ecret",
    email
  ]
  return { answers, secrets }
}

describe.each(["fast", "platform"] as const)("RAMPART_LOG_FORMAT=json on the %s transport", (transport) => {
  let server: ServerProcess
  let run: Awaited<ReturnType<typeof session>>
  let lines: Array<Record<string, unknown>>
  beforeAll(async () => {
    server = await startServerProcess({ RAMPART_LOG_FORMAT: "json", RAMPART_HTTP: transport })
    run = await session(server.url)
    const isLog = (line: string) => line.startsWith("{") && line.includes("\"requestId\"")
    // The readiness probes (GET /health before the session) are logged too.
    lines = (await linesOf(server, isLog, run.answers)).map((line) => JSON.parse(line) as Record<string, unknown>)
  }, 60_000)
  afterAll(async () => {
    expect(await server.stop()).toBe(0)
  })

  /** The one line of the request whose answer carried `requestId`. */
  const lineOf = (requestId: string | null) => {
    const found = lines.filter((line) => line["requestId"] === requestId)
    expect(found).toHaveLength(1)
    return found[0]!
  }

  it("writes one line per request with method, route, status, duration, request id and client IP", () => {
    const { login, refresh, requested, notFound, notAllowed, undecodable, created } = run.answers
    expect(login.status).toBe(200)
    expect(lineOf(login.requestId)).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      method: "POST",
      route: "/auth/login",
      status: 200,
      durationMs: expect.any(Number),
      requestId: login.requestId,
      clientIp: "127.0.0.1"
    })
    expect(lineOf(created.requestId)).toMatchObject({ method: "POST", route: "/sandbox/users", status: 201 })
    expect(lineOf(refresh.requestId)).toMatchObject({ method: "POST", route: "/auth/login/refresh", status: 200 })
    expect(lineOf(requested.requestId)).toMatchObject({ method: "GET", route: "/auth/otp/code", status: 201 })
    expect(lineOf(notFound.requestId)).toMatchObject({ method: "GET", route: "/no/such/route", status: 404 })
    expect(lineOf(notAllowed.requestId)).toMatchObject({ method: "GET", route: "/auth/login", status: 405 })
    expect(lineOf(undecodable.requestId)).toMatchObject({ method: "POST", route: "/auth/login", status: 400 })
    for (const line of lines) expect(line["durationMs"] as number).toBeGreaterThanOrEqual(0)
  })

  it("echoes a sane x-request-id and replaces a hostile or too long one with a UUID", () => {
    const { own, hostile, tooLong } = run.answers
    expect(own.requestId).toBe("client-id_1.2-3")
    expect(lineOf("client-id_1.2-3")).toMatchObject({ route: "/health", status: 200 })
    expect(hostile.requestId).toMatch(UUID)
    expect(tooLong.requestId).toMatch(UUID)
    expect(lineOf(hostile.requestId)).toMatchObject({ route: "/health" })
    // Every answer, errors included, carries its id; generated ones are UUIDs.
    for (const answer of Object.values(run.answers)) expect(answer.requestId).toEqual(expect.any(String))
    for (const answer of [run.answers.login, run.answers.notFound, run.answers.notAllowed, run.answers.undecodable]) {
      expect(answer.requestId).toMatch(UUID)
    }
  })

  it("never logs a password, a token, a code, a query string or an email", () => {
    const output = server.stdout()
    for (const secret of run.secrets) expect(output).not.toContain(secret)
    const logged = lines.map((line) => JSON.stringify(line)).join("\n")
    expect(logged).not.toContain("?")
    expect(logged).not.toContain("bad id")
  })
})

describe("the default text format", () => {
  it("is one readable line per request", async () => {
    const server = await startServerProcess({})
    try {
      const { answers, secrets } = await session(server.url)
      const lines = await linesOf(server, (line) => / id=\S+ ip=/.test(line), answers)
      const login = lines.find((line) => line.includes(`id=${answers.login.requestId} `))
      expect(login).toMatch(
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z POST \/auth\/login 200 \d+(\.\d+)?ms id=[0-9a-f-]{36} ip=127\.0\.0\.1$/
      )
      expect(lines.find((line) => line.includes("id=client-id_1.2-3 "))).toMatch(/ GET \/health 200 /)
      for (const secret of secrets) expect(server.stdout()).not.toContain(secret)
    } finally {
      expect(await server.stop()).toBe(0)
    }
  })

  it("is nothing with RAMPART_LOG_FORMAT=off, the request id still echoed", async () => {
    const server = await startServerProcess({ RAMPART_LOG_FORMAT: "off" })
    try {
      const answer = await send(server.url, "GET", "/health", { headers: { "x-request-id": "off-1" } })
      expect(answer.requestId).toBe("off-1")
      await new Promise((resolve) => setTimeout(resolve, 200))
      expect(server.stdout()).not.toContain("off-1")
      expect(server.stdout()).not.toMatch(/ id=\S+ ip=|"requestId"/)
    } finally {
      expect(await server.stop()).toBe(0)
    }
  })
})
