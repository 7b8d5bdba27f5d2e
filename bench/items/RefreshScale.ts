/**
 * refresh-scale: p50 latency of sequential refreshes with random tokens on a 10^6-user SQLite store
 * against the same on the small (10^3-user) store, two fresh Rampart servers warmed the same way.
 */
import { onCleanup } from "../lib/Cleanups.js"
import { interleave, load, refreshBodies, worker } from "../lib/Load.js"
import { log } from "../lib/Log.js"
import { seconds } from "../lib/Options.js"
import { cores } from "../lib/Processes.js"
import { measured } from "../lib/Report.js"
import { type Server, startRampart } from "../lib/Servers.js"
import { median } from "../lib/Stats.js"
import { copySqlite, seededSqlite } from "../lib/Store.js"
import type { BenchItem } from "./Item.js"
import type { Shared } from "./Shared.js"

/** The refresh-scale item. */
export const refreshScale: BenchItem<Shared> = {
  name: "refresh-scale",
  run: async (shared) => {
    log("refresh-scale: preparing the 10^6-user store")
    const big = await seededSqlite(1_000_000, 1000, shared.phc)
    onCleanup(big.store.drop)
    log(`refresh-scale: 10^6-user store ${big.fromCache ? "copied from the cache" : "seeded"}`)
    // Two fresh servers, warmed the same way, so neither has a JIT head start.
    // One Rampart process per SQLite file: the reference runs on a copy of the small store.
    const small = copySqlite(shared.small)
    onCleanup(small.drop)
    const [large, reference] = await Promise.all([
      startRampart(big.store, big.keys, cores.server),
      startRampart(small, shared.keys, cores.server)
    ])
    const latency = async (server: Server, tokens: ReadonlyArray<string>) => {
      const out = await worker(cores.load).ask<{ p50Ms: number; p90Ms: number; count: number; non2xx: number }>({
        kind: "latency",
        url: `${server.url}/auth/login/refresh`,
        bodies: refreshBodies(tokens),
        seconds: Math.max(1.5, seconds / 2)
      })
      if (out.non2xx > 0) throw new Error(`${out.non2xx} refused refreshes`)
      return { value: out.p50Ms, p90Ms: out.p90Ms, count: out.count }
    }
    // Tokens in random order, so lookups wander over the whole index.
    const shuffle = (tokens: ReadonlyArray<string>) => [...tokens].sort(() => Math.random() - 0.5)
    const largeTokens = shuffle(big.seeded.tokens)
    const smallTokens = shuffle(shared.smallSeed.tokens)
    await load(large.url, "/auth/login/refresh", refreshBodies(largeTokens), 16, 2)
    await load(reference.url, "/auth/login/refresh", refreshBodies(smallTokens), 16, 2)
    const { rounds, ourRuns, baseRuns } = await interleave(
      4,
      () => latency(large, largeTokens),
      () => latency(reference, smallTokens),
      "refresh-scale"
    )
    await Promise.all([large.child.stop(), reference.child.stop()])
    return measured(
      "ms p50",
      { op: "<=", value: 1.2 },
      rounds,
      "p50 of sequential refreshes (random tokens); ours = 10^6 users, baseline = 10^3 users; SQLite",
      { p90Ms: { ours: median(ourRuns.map((r) => r.p90Ms)), baseline: median(baseRuns.map((r) => r.p90Ms)) } }
    )
  }
}
