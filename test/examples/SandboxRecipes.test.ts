/**
 * The sandbox recipes (docs/recipes/sandbox-time-travel.md, docs/recipes/sandbox-faults.md) run
 * against the real in-process server over loopback, on SQLite and on PostgreSQL when
 * `RAMPART_TEST_DATABASE_URL` is set. The transport is instrumented (`transformClient`) to see what
 * the client really sent and what the server answered.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import * as faults from "../../examples/sandbox-faults.js"
import * as timeTravel from "../../examples/sandbox-time-travel.js"
import { totpAt } from "../../src/Totp.js"
import { type RunningServer, startServer } from "../support/Server.js"
import { storeKinds } from "../support/Stores.js"

const PASSWORD = "recipe password 1"
const SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
let counter = 0
const email = (tag: string) => `${tag}-${Date.now().toString(36)}-${counter++}@example.com`

/** One exchange the client saw: route, status, the `security_code` sent, and the wall time of the answer. */
interface Exchange {
  readonly route: string
  readonly status: number
  readonly securityCode: string | undefined
  readonly at: number
}

/** Records every answer (retries included) into `exchanges`. */
const recording = (exchanges: Array<Exchange>) => (client: HttpClient.HttpClient): HttpClient.HttpClient =>
  HttpClient.tap(client, (response) =>
    Effect.sync(() => {
      const body = response.request.body
      const json = body._tag === "Uint8Array" ? JSON.parse(new TextDecoder().decode(body.body)) : undefined
      exchanges.push({
        route: `${response.request.method} ${new URL(response.request.url).pathname}`,
        status: response.status,
        securityCode: json?.security_code,
        at: Date.now()
      })
    }))

/** The codes of `secret` for the TOTP step at `seconds` and the one before. */
const codesAround = (
  seconds: number
) => [Either.getOrThrow(totpAt(SECRET, seconds - 30)), Either.getOrThrow(totpAt(SECRET, seconds))]

describe.each(storeKinds)("sandbox recipes on %s", (_kind, fresh) => {
  let server: RunningServer
  beforeAll(async () => {
    server = await startServer(await fresh())
  })
  afterAll(() => server.close())

  it("time travel: after a 61-minute jump the partner session logs in again with a code for sandbox time", async () => {
    const exchanges: Array<Exchange> = []
    const result = await Effect.runPromise(
      timeTravel.run(server.url, { email: email("travel"), password: PASSWORD, totpSecret: SECRET }, {
        transformClient: recording(exchanges)
      })
    )
    expect(result.offsetSeconds).toBe(61 * 60)
    expect(result.before).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(result.after).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(result.after).not.toBe(result.before)
    // The old token: refused, its session expired at sandbox time (the server's 403 AuthError).
    expect(result.oldToken).toBe("AuthError")

    // Exactly two logins (the renewal is shared by the background fiber and the caller), both accepted.
    const logins = exchanges.filter((e) => e.route === "POST /api/v1/partners/auth/login")
    expect(logins.map((e) => e.status)).toEqual([200, 200])
    // The renewal's code is the sandbox's (wall time + 3660 s), not wall time's.
    const renewal = logins[1]!
    const wallSeconds = Math.floor(renewal.at / 1000)
    expect(codesAround(wallSeconds + 61 * 60)).toContain(renewal.securityCode)
    expect([...codesAround(wallSeconds), ...codesAround(wallSeconds + 30)]).not.toContain(renewal.securityCode)

    // Logouts: the old token refused (403); on scope close the renewed token logged out (204).
    const logouts = exchanges.filter((e) => e.route === "POST /api/v1/partners/auth/logout")
    expect(logouts.map((e) => e.status)).toEqual([403, 204])
  })

  it("faults: two 503s on login reach the caller one by one; two 503s on refresh are retried away", async () => {
    const counts = new Map<string, number>()
    const result = await Effect.runPromise(faults.run(server.url, email("faults"), PASSWORD, counts))
    // Login is never repeated by the client: each call is one request, and each of the first two
    // spent one of the two faults (had the client retried, the first call would have succeeded).
    expect(result.logins).toEqual(["ServiceUnavailable", "ServiceUnavailable", "logged in"])
    expect(counts.get("POST /auth/login")).toBe(3)
    // Refresh is retry-safe: one call, three attempts, the last one answered.
    expect(result.refreshed).toBe(true)
    expect(counts.get("POST /auth/login/refresh")).toBe(3)
  })
})
