/**
 * Load shedding (issue 25): beyond `RAMPART_MAX_IN_FLIGHT` requests in flight — here 4, held by a
 * sandbox fault as a stalled store would hold them — a new request is answered 503
 * `ServiceUnavailable` with `Retry-After` at once, before any work, and the burst is logged as one
 * line; the held requests finish normally and the server then serves as before.
 */
import { describe, expect, it } from "vitest"
import { call } from "../support/Http.js"
import { startServerProcess } from "../support/ServerProcess.js"

describe("more requests in flight than RAMPART_MAX_IN_FLIGHT", () => {
  it("the excess is answered 503 with Retry-After at once; the held ones finish; one log line", async () => {
    const server = await startServerProcess({ RAMPART_MAX_IN_FLIGHT: "4" })
    try {
      await call(server.url, "POST", "/sandbox/faults", {
        body: { method: "GET", path: "/.well-known/jwks.json", delayMs: 1_500, count: 4 }
      })
      const held = Array.from({ length: 4 }, () => fetch(`${server.url}/.well-known/jwks.json`))
      await new Promise((resolve) => setTimeout(resolve, 300))
      const started = performance.now()
      const shed = await Promise.all(Array.from({ length: 20 }, () => fetch(`${server.url}/health`)))
      const shedMs = performance.now() - started
      for (const answer of shed) {
        expect(answer.status).toBe(503)
        expect(answer.headers.get("retry-after")).toBe("1")
        expect(await answer.json()).toEqual({
          _tag: "ServiceUnavailable",
          message: "The server is at capacity; retry after Retry-After seconds."
        })
      }
      expect(shedMs).toBeLessThan(1_000)
      for (const answer of await Promise.all(held)) expect(answer.status).toBe(200)
      expect((await fetch(`${server.url}/health`)).status).toBe(200)
      const lines = (server.stdout() + server.stderr()).split("\n").filter((line) =>
        line.includes("request cap (4 in flight) reached")
      )
      expect(lines).toHaveLength(1)
    } finally {
      await server.stop()
    }
  }, 30_000)
})
