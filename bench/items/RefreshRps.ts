/**
 * refresh-rps: `POST /auth/login/refresh` req/s of Rampart against the fastify + jose baseline
 * (bench/baseline/RefreshServer.ts) on the same small SQLite store, 16 connections, with the server
 * CPU per request of each side.
 */
import { interleave, load, refreshBodies, refreshRound } from "../lib/Load.js"
import { cores } from "../lib/Processes.js"
import { measured } from "../lib/Report.js"
import { port, rampartEnv, startServer } from "../lib/Servers.js"
import { median } from "../lib/Stats.js"
import type { BenchItem } from "./Item.js"
import { rampart, type Shared } from "./Shared.js"

/** The refresh-rps item. */
export const refreshRps: BenchItem<Shared> = {
  name: "refresh-rps",
  run: async (shared) => {
    const ours = rampart(shared)
    const listen = port()
    const baseline = await startServer(
      "bench/baseline/RefreshServer.ts",
      { ...rampartEnv(shared.small, shared.keys, listen), BENCH_PORT: String(listen) },
      listen,
      cores.server
    )
    const bodies = refreshBodies(shared.smallSeed.tokens)
    const connections = 16
    // Warm-up: Rampart's code takes ~10 s of this load to reach its steady rate (V8 tiers up far
    // more functions than fastify's), the baseline ~2 s; both get the same, long enough for both.
    await load(ours.url, "/auth/login/refresh", bodies, connections, 6)
    await load(baseline.url, "/auth/login/refresh", bodies, connections, 6)
    const { rounds, ourRuns, baseRuns } = await interleave(
      4,
      refreshRound(ours, bodies, connections),
      refreshRound(baseline, bodies, connections),
      "refresh-rps"
    )
    await baseline.child.stop()
    const cpuOurs = median(ourRuns.map((r) => r.cpuPerRequestUs))
    const cpuBase = median(baseRuns.map((r) => r.cpuPerRequestUs))
    const steal = median([...ourRuns, ...baseRuns].map((r) => r.steal))
    return measured(
      "req/s",
      { op: ">=", value: 1.0 },
      rounds,
      `SQLite store, ${connections} connections; server CPU per request ${cpuOurs.toFixed(0)} µs vs ${
        cpuBase.toFixed(0)
      } µs; CPU stolen by the hypervisor ${(steal * 100).toFixed(0)}%`,
      {
        connections,
        cpuPerRequestUs: { ours: cpuOurs, baseline: cpuBase },
        steal,
        transport: process.env["RAMPART_HTTP"] ?? "default"
      }
    )
  }
}
