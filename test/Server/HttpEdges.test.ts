/**
 * Issue 12, items 4 and 5, on both transports (`fast` and `platform`): a wrong method on a known
 * path is a 405 with `Allow` and a JSON body, an unknown path a small JSON 404; requests Node's parser
 * refuses get a JSON 4xx; oversize bodies (20 MB, declared or chunked) always read a 413 with its
 * JSON body, because the server keeps draining the body for a bounded time after refusing it.
 */
import { execFile } from "node:child_process"
import { connect } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { productionSettings, type RunningServer, startServer } from "../support/Server.js"
import { freshSqliteUrl } from "../support/Stores.js"

/** An answer read off the wire: status, lower-cased headers, body text. */
interface RawAnswer {
  readonly status: number
  readonly headers: Record<string, string>
  readonly body: string
}

/** Parses an HTTP/1.1 response (one, possibly truncated) out of the bytes a socket received. */
const parseRaw = (bytes: string): RawAnswer | undefined => {
  const end = bytes.indexOf("\r\n\r\n")
  if (end === -1) return undefined
  const [statusLine, ...lines] = bytes.slice(0, end).split("\r\n")
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine ?? "")?.[1])
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(":")
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  return { status, headers, body: bytes.slice(end + 4) }
}

/** Writes `payload` on a fresh TCP connection and collects everything the server sends until it closes. */
const rawRequest = (base: string, payload: string): Promise<RawAnswer | undefined> =>
  new Promise((resolve) => {
    const url = new URL(base)
    const socket = connect(Number(url.port), url.hostname)
    const chunks: Array<Buffer> = []
    socket.on("data", (chunk: Buffer) => chunks.push(chunk))
    socket.on("error", () => undefined)
    socket.on("close", () => resolve(parseRaw(Buffer.concat(chunks).toString("latin1"))))
    socket.setTimeout(10_000, () => socket.destroy())
    socket.end(payload, "latin1")
  })

/** `fetch` that reports a failure as its error code instead of throwing. */
const tryFetch = async (url: string, init?: RequestInit) => {
  try {
    const response = await fetch(url, init)
    const text = await response.text()
    return { status: response.status, headers: response.headers, text }
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause
    return { status: 0, headers: new Headers(), text: cause?.code ?? String(error) }
  }
}

/**
 * The oversize client, run as a child process: the server's event loop is then not the client's (in
 * one process the two take turns and the race that loses the 413 never shows), and the server's
 * memory is measured without the client's. Sends `count` sequential POSTs of 20 MB to `/auth/login`,
 * declared (`fetch`, a Uint8Array body) or chunked (node:http, no content-length); prints how each
 * ended (its status, or the error code) and the distinct bodies of the 413s.
 */
const OVERSIZE_CLIENT = `
import { request } from "node:http"
const [base, kind, count] = [process.argv[1], process.argv[2], Number(process.argv[3])]
const size = 20 * 1024 * 1024
const body = new Uint8Array(size).fill(0x20)
const declared = async () => {
  try {
    const response = await fetch(base + "/auth/login", { method: "POST", headers: { "content-type": "application/json" }, body })
    return { outcome: String(response.status), text: await response.text() }
  } catch (error) {
    return { outcome: error.cause?.code ?? String(error), text: "" }
  }
}
const chunked = () => new Promise((resolve) => {
  const url = new URL("/auth/login", base)
  const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: "POST",
    headers: { "content-type": "application/json", "transfer-encoding": "chunked" } }, (res) => {
    const chunks = []
    res.on("data", (chunk) => chunks.push(chunk))
    res.on("end", () => resolve({ outcome: String(res.statusCode), text: Buffer.concat(chunks).toString("utf8") }))
    res.on("error", (error) => resolve({ outcome: error.code ?? "error", text: "" }))
  })
  req.on("error", (error) => resolve({ outcome: error.code ?? "error", text: "" }))
  const chunk = Buffer.alloc(64 * 1024, 0x20)
  let written = 0
  const pump = () => {
    while (written < size && !req.destroyed) {
      written += chunk.length
      if (!req.write(chunk)) return void req.once("drain", pump)
    }
    req.end()
  }
  pump()
})
const outcomes = {}
const bodies = new Set()
for (let i = 0; i < count; i++) {
  const { outcome, text } = await (kind === "chunked" ? chunked() : declared())
  outcomes[outcome] = (outcomes[outcome] ?? 0) + 1
  if (outcome === "413") bodies.add(text)
}
console.log(JSON.stringify({ outcomes, bodies: [...bodies] }))
`

/** Runs the oversize client against `base`; how its requests ended and the 413 bodies it read. */
const oversizeClient = (base: string, kind: "declared" | "chunked", count: number) =>
  new Promise<{ outcomes: Record<string, number>; bodies: Array<string> }>((resolve, reject) => {
    execFile(
      process.execPath,
      ["--input-type=module", "-e", OVERSIZE_CLIENT, base, kind, String(count)],
      { timeout: 120_000, maxBuffer: 1024 * 1024 },
      (error, stdout) => (error ? reject(error) : resolve(JSON.parse(stdout)))
    )
  })

const json = (text: string): unknown => JSON.parse(text)

describe.each(["fast", "platform"] as const)("HTTP edges on the %s transport", (http) => {
  let server: RunningServer
  beforeAll(async () => {
    server = await startServer(freshSqliteUrl(), { http })
  })
  afterAll(() => server?.close())

  it("a wrong method on a known path is a 405 with Allow and a JSON body", async () => {
    const cases = [
      ["GET", "/api/v1/partners/auth/logout", "POST"],
      ["POST", "/sandbox/outbox", "GET, HEAD"],
      ["DELETE", "/sandbox/outbox", "GET, HEAD"],
      ["DELETE", "/auth/login", "POST"],
      ["PUT", "/auth/otp/methods/totp", "DELETE, POST"],
      ["POST", "/openapi.json", "GET, HEAD"]
    ] as const
    for (const [method, path, allow] of cases) {
      const answer = await tryFetch(server.url + path, { method })
      expect({ method, path, status: answer.status, allow: answer.headers.get("allow") }).toEqual({
        method,
        path,
        status: 405,
        allow
      })
      expect(answer.headers.get("content-type")).toMatch(/^application\/json/)
      expect(json(answer.text)).toEqual({
        _tag: "HttpMethodNotAllowed",
        message: `${method} is not allowed on ${path}; allowed: ${allow}`
      })
    }
    // HEAD on a GET route is still answered by the route, as the router does.
    expect((await tryFetch(server.url + "/health", { method: "HEAD" })).status).toBe(200)
    expect((await tryFetch(server.url + "/api/v1/partners/auth/logout", { method: "HEAD" })).status).toBe(405)
  })

  it("an unknown path is a small JSON 404 that does not echo a long path", async () => {
    const answer = await tryFetch(server.url + "/nope?x=1")
    expect(answer.status).toBe(404)
    expect(answer.headers.get("content-type")).toMatch(/^application\/json/)
    expect(json(answer.text)).toEqual({ _tag: "NotFound", message: "GET /nope not found" })
    const long = await tryFetch(server.url + "/" + "a".repeat(10 * 1024))
    expect(long.status).toBe(404)
    expect(long.text.length).toBeLessThan(1024)
    expect(json(long.text)).toMatchObject({ _tag: "NotFound", message: expect.stringMatching(/^GET \/a+… not found$/) })
  })

  it("requests Node's parser refuses get a JSON 4xx", async () => {
    const requests = {
      "NUL byte in a header": "GET /health HTTP/1.1\r\nHost: x\r\nX-Bad: a\0b\r\n\r\n",
      "unknown method": "FROB /health HTTP/1.1\r\nHost: x\r\n\r\n",
      "16 KB query string": `GET /health?q=${"a".repeat(16 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      "20 KB header": `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${"b".repeat(20 * 1024)}\r\n\r\n`
    }
    const expected = {
      "NUL byte in a header": 400,
      "unknown method": 400,
      "16 KB query string": 431,
      "20 KB header": 431
    }
    for (const [name, payload] of Object.entries(requests)) {
      const answer = await rawRequest(server.url, payload)
      expect({ name, status: answer?.status }).toEqual({ name, status: expected[name as keyof typeof expected] })
      expect(answer!.headers["content-type"]).toBe("application/json")
      expect(answer!.headers["connection"]).toBe("close")
      expect(Number(answer!.headers["content-length"])).toBe(Buffer.byteLength(answer!.body))
      expect(json(answer!.body)).toMatchObject({
        _tag: answer!.status === 431 ? "HeaderFieldsTooLarge" : "BadRequest",
        message: expect.any(String)
      })
    }
    expect((await tryFetch(server.url + "/health")).status).toBe(200)
  })

  it("20 sequential 20 MB POSTs all read the 413 and its JSON body; memory stays flat", async () => {
    await oversizeClient(server.url, "declared", 1) // warm-up: what is allocated once is not growth
    const before = process.memoryUsage().rss
    const { outcomes, bodies } = await oversizeClient(server.url, "declared", 20)
    const growth = process.memoryUsage().rss - before
    console.log(
      `${http}: 20 × 20 MB declared → ${JSON.stringify(outcomes)}, server rss ${growth >= 0 ? "+" : ""}${
        Math.round(growth / 2 ** 20)
      } MB`
    )
    expect(outcomes).toEqual({ 413: 20 })
    expect(bodies.map(json)).toEqual([{ _tag: "PayloadTooLarge", message: "Request body exceeds 65536 bytes" }])
    // The client runs in a child process, so this is the server's (and the test runner's) memory. A
    // server that kept the bodies would grow by 400 MB; 150 MB leaves room for GC timing and for the
    // socket buffers of connections still lingering.
    expect(growth).toBeLessThan(150 * 2 ** 20)
    expect((await tryFetch(server.url + "/health")).status).toBe(200)
  })

  it("chunked oversize bodies (no content-length) also read a 413 with its JSON body", async () => {
    const { outcomes, bodies } = await oversizeClient(server.url, "chunked", 5)
    console.log(`${http}: 5 × 20 MB chunked → ${JSON.stringify(outcomes)}`)
    expect(outcomes).toEqual({ 413: 5 })
    expect(bodies.map(json)).toEqual([{ _tag: "PayloadTooLarge", message: "Request body exceeds 65536 bytes" }])
    expect((await tryFetch(server.url + "/health")).status).toBe(200)
  })

  it("a chunked body that never ends: the 413 comes once it passes 64 KiB, the connection closes within the linger bound", async () => {
    const url = new URL(server.url)
    // Half-open allowed: the client keeps sending after the server's FIN, until the server closes.
    const socket = connect({ port: Number(url.port), host: url.hostname, allowHalfOpen: true })
    const received: Array<Buffer> = []
    socket.on("data", (chunk: Buffer) => received.push(chunk))
    socket.on("error", () => undefined)
    const closed = new Promise<number>((resolve) => socket.on("close", () => resolve(Date.now())))
    const chunk = `${(16 * 1024).toString(16)}\r\n${" ".repeat(16 * 1024)}\r\n`
    socket.write(
      "POST /auth/login HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
    )
    for (let i = 0; i < 6; i++) socket.write(chunk)
    const started = Date.now()
    // Keeps sending, slowly, as a client that ignores the answer would.
    const trickle = setInterval(() => socket.writable && socket.write(chunk), 50)
    const answered = await new Promise<RawAnswer | undefined>((resolve) => {
      const check = () => {
        const answer = parseRaw(Buffer.concat(received).toString("latin1"))
        if (answer !== undefined && answer.body.length >= Number(answer.headers["content-length"])) resolve(answer)
        else setTimeout(check, 10)
      }
      check()
    })
    const answeredAfter = Date.now() - started
    const closedAfter = (await closed) - started
    clearInterval(trickle)
    expect(answered?.status).toBe(413)
    expect(answered?.headers["connection"]).toBe("close")
    expect(json(answered!.body)).toMatchObject({ _tag: "PayloadTooLarge" })
    expect(answeredAfter).toBeLessThan(1_000)
    // Lingering lasts at most 2 s after the refusal.
    expect(closedAfter).toBeGreaterThan(1_500)
    expect(closedAfter).toBeLessThan(4_000)
  })
})

describe.each(["fast", "platform"] as const)("production mode on the %s transport", (http) => {
  let server: RunningServer
  beforeAll(async () => {
    server = await startServer(freshSqliteUrl(), {
      http,
      ...productionSettings()
    })
  })
  afterAll(() => server?.close())

  it("any method on a /sandbox/* route is a JSON 404, never a 405 that would reveal it", async () => {
    for (const method of ["GET", "POST", "DELETE"]) {
      const answer = await tryFetch(server.url + "/sandbox/outbox?to=a@b.co", { method })
      expect({ method, status: answer.status, allow: answer.headers.get("allow") }).toEqual({
        method,
        status: 404,
        allow: null
      })
      expect(json(answer.text)).toMatchObject({ _tag: "NotFound", message: expect.any(String) })
    }
    // The rest of the contract still answers 405 on a wrong method.
    expect((await tryFetch(server.url + "/api/v1/partners/auth/logout")).status).toBe(405)
  })
})
