/**
 * request-logs: `POST /auth/login/refresh` req/s of Rampart with its request log on
 * (`RAMPART_LOG_FORMAT=json`, one line per request to a pipe the benchmark reads) against the
 * same server with it off, on the small SQLite store, 16 connections, with the server CPU per request of each.
 */
import { onCleanup } from "../lib/Cleanups.js"
import { interleave, load, refreshBodies, refreshRound } from "../lib/Load.js"
import { cores } from "../lib/Processes.js"
import { measured } from "../lib/Report.js"
import { startRampart } from "../lib/Servers.js"
import { median } from "../lib/Stats.js"
import { copySqlite } from "../lib/Store.js"
import type { BenchItem } from "./Item.js"
import type { Shared } from "./Shared.js"

/** The request-logs item. */
export const requestLogs: BenchItem<Shared> = {
  name: "request-logs",
  run: async (shared) => {
    // One Rampart process per SQLite file: each side on its own copy of the small store.
    const [onStore, offStore] = [copySqlite(shared.small), copySqlite(shared.small)]
    onCleanup(onStore.drop)
    onCleanup(offStore.drop)
    const on = await startRampart(onStore, shared.keys, cores.server, { RAMPART_LOG_FORMAT: "json" })
    const off = await startRampart(offStore, shared.keys, cores.server, { RAMPART_LOG_FORMAT: "off" })
    const bodies = refreshBodies(shared.smallSeed.tokens)
    const connections = 16
    // The same warm-up as refresh-rps (Rampart's code reaches its steady rate after ~10 s of load).
    await load(on.url, "/auth/login/refresh", bodies, connections, 6)
    await load(off.url, "/auth/login/refresh", bodies, connections, 6)
    const { rounds, ourRuns, baseRuns } = await interleave(
      4,
      refreshRound(on, bodies, connections),
      refreshRound(off, bodies, connections),
      "request-logs"
    )
    await on.child.stop()
    await off.child.stop()
    const cpuOn = median(ourRuns.map((r) => r.cpuPerRequestUs))
    const cpuOff = median(baseRuns.map((r) => r.cpuPerRequestUs))
    return measured(
      "req/s",
      { op: ">=", value: 0.95 },
      rounds,
      `refresh with JSON request lines on ÷ off, ${connections} connections; server CPU per request ${
        cpuOn.toFixed(0)
      } µs vs ${cpuOff.toFixed(0)} µs`,
      { connections, cpuPerRequestUs: { on: cpuOn, off: cpuOff }, transport: process.env["RAMPART_HTTP"] ?? "default" }
    )
  }
}
