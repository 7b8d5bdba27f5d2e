/**
 * verify-overhead: req/s of a consumer `HttpApi` endpoint behind rampart's `layerUserAuthentication`
 * (`GET /protected`, `IdTokenVerifier.layerKeys`) against the same endpoint with no security
 * (`GET /open`), both served by one process (bench/consumer/ResourceServer.ts, server core),
 * 16 connections, with the server CPU per request of each. The idToken is issued by Rampart's
 * own `IdTokens` (bench/lib/IdTokens.ts) with a key of the run; both sides send it, so they differ
 * only by the middleware.
 */
import { randomUUID } from "node:crypto"
import { issueBenchToken } from "../lib/IdTokens.js"
import { interleave, loadGet } from "../lib/Load.js"
import { seconds } from "../lib/Options.js"
import { cores } from "../lib/Processes.js"
import { measured } from "../lib/Report.js"
import { port, type Server, startServer } from "../lib/Servers.js"
import { median } from "../lib/Stats.js"
import { makeKeys } from "../lib/Store.js"
import type { BenchItem } from "./Item.js"

const issuer = "rampart"
const audience = "bench-resource-server"

/** Fails unless `GET path` with `headers` answers `status` (and, for a 200, `{ userId }` equal to `userId`). */
const expectAnswer = async (
  server: Server,
  path: string,
  headers: Record<string, string>,
  status: number,
  userId?: string
) => {
  const response = await fetch(`${server.url}${path}`, { headers })
  const text = await response.text()
  if (response.status !== status) {
    throw new Error(`GET ${path} answered ${response.status} (expected ${status}): ${text.slice(0, 200)}`)
  }
  if (userId !== undefined && (JSON.parse(text) as { userId?: unknown }).userId !== userId) {
    throw new Error(`GET ${path} answered ${text.slice(0, 200)} (expected userId ${userId})`)
  }
}

/** `token` with the first character of its signature changed (still canonical base64url, so the signature check refuses it). */
const tampered = (token: string): string => {
  const at = token.lastIndexOf(".") + 1
  return `${token.slice(0, at)}${token[at] === "A" ? "B" : "A"}${token.slice(at + 1)}`
}

/** The verify-overhead item. */
export const verifyOverhead: BenchItem<void> = {
  name: "verify-overhead",
  run: async () => {
    const sub = randomUUID()
    const { idToken, jwks } = issueBenchToken({
      signingKey: makeKeys().signingKey,
      issuer,
      audience,
      sub,
      email: "verify@bench.test"
    })
    const listen = port()
    const server = await startServer(
      "bench/consumer/ResourceServer.ts",
      {
        BENCH_PORT: String(listen),
        BENCH_JWKS: JSON.stringify(jwks),
        BENCH_ISSUER: issuer,
        BENCH_AUDIENCE: audience
      },
      listen,
      cores.server,
      { readyPath: "/open" }
    )
    const bearer = { authorization: `Bearer ${idToken}` }
    // The token is accepted, and the middleware refuses without one (or with a tampered one).
    await expectAnswer(server, "/protected", bearer, 200, sub)
    await expectAnswer(server, "/protected", {}, 403)
    await expectAnswer(server, "/protected", { authorization: `Bearer ${tampered(idToken)}` }, 403)
    await expectAnswer(server, "/open", bearer, 200)

    const connections = 16
    // Warm-up: V8 tiers up both paths before timing.
    await loadGet(server.url, "/protected", bearer, connections, 4)
    await loadGet(server.url, "/open", bearer, connections, 4)
    const side = (path: string) => async () => {
      const r = await loadGet(server.url, path, bearer, connections, seconds, [server.child])
      return { value: r.rps, cpuPerRequestUs: r.cpuPerRequestUs }
    }
    const { baseRuns, ourRuns, rounds } = await interleave(4, side("/protected"), side("/open"), "verify-overhead")
    await server.child.stop()
    const cpuProtected = median(ourRuns.map((r) => r.cpuPerRequestUs))
    const cpuOpen = median(baseRuns.map((r) => r.cpuPerRequestUs))
    return measured(
      "req/s",
      { op: ">=", value: 0.85 },
      rounds,
      `GET /protected (UserAuthentication via layerUserAuthentication, IdTokenVerifier.layerKeys) ÷ GET /open (no security), one HttpApi on NodeHttpServer, same bearer header on both, ${connections} connections; server CPU per request ${
        cpuProtected.toFixed(0)
      } µs vs ${cpuOpen.toFixed(0)} µs`,
      { connections, cpuPerRequestUs: { protected: cpuProtected, open: cpuOpen } }
    )
  }
}
