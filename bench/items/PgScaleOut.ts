/**
 * pg-scale-out: refresh req/s on PostgreSQL spread over two Rampart instances against one instance,
 * 32 connections, nothing pinned (the servers, PostgreSQL and the load share the machine's cores).
 */
import { availableParallelism } from "node:os"
import pg from "pg"
import { onCleanup } from "../lib/Cleanups.js"
import { interleave, load, refreshBodies } from "../lib/Load.js"
import { pgAdminUrl, seconds } from "../lib/Options.js"
import { measured } from "../lib/Report.js"
import { startRampart } from "../lib/Servers.js"
import { median } from "../lib/Stats.js"
import { freshPostgres, makeKeys, migrateStore, seed } from "../lib/Store.js"
import type { BenchItem } from "./Item.js"

/** The pg-scale-out item; its input is the PHC string of the seeded password. */
export const pgScaleOut: BenchItem<{ readonly phc: string }> = {
  name: "pg-scale-out",
  run: async ({ phc }) => {
    const probe = new pg.Client({ connectionString: pgAdminUrl, connectionTimeoutMillis: 3000 })
    await probe.connect().then(() => probe.end(), (error: Error) => {
      throw new Error(`PostgreSQL not reachable at ${pgAdminUrl.replace(/\/\/[^@]*@/, "//***@")}: ${error.message}`)
    })
    const store = await freshPostgres(pgAdminUrl)
    onCleanup(store.drop)
    const pgKeys = makeKeys()
    await migrateStore(store.url)
    const pgSeed = await seed(store, pgKeys, 1000, 1000, phc)
    // Not pinned: two instances, PostgreSQL and the load share the machine's cores as they would.
    const [a, b] = await Promise.all([startRampart(store, pgKeys), startRampart(store, pgKeys)])
    const bodies = refreshBodies(pgSeed.tokens)
    const connections = 32
    await load([a.url, b.url], "/auth/login/refresh", bodies, connections, 4, [], undefined)
    const side = (urls: ReadonlyArray<string>) => async () => {
      const r = await load(urls, "/auth/login/refresh", bodies, connections, seconds, [], undefined)
      return { value: r.rps, busy: r.machine?.busy ?? Number.NaN, steal: r.machine?.steal ?? Number.NaN }
    }
    const { rounds, ourRuns, baseRuns } = await interleave(5, side([a.url, b.url]), side([a.url]), "pg-scale-out")
    await Promise.all([a.child.stop(), b.child.stop()])
    const busyOne = median(baseRuns.map((r) => r.busy))
    const busyTwo = median(ourRuns.map((r) => r.busy))
    return measured(
      "req/s",
      { op: ">=", value: 1.6 },
      rounds,
      `refresh on PostgreSQL; ours = 2 instances, baseline = 1 instance; ${connections} connections; the ${availableParallelism()} cores (shared by the servers, PostgreSQL and the load) were ${
        (busyOne * 100).toFixed(0)
      }% busy with 1 instance, ${(busyTwo * 100).toFixed(0)}% with 2 (so at most ${
        (1 / busyOne).toFixed(2)
      }× on this machine)`,
      { machineBusy: { one: busyOne, two: busyTwo }, steal: median([...ourRuns, ...baseRuns].map((r) => r.steal)) }
    )
  }
}
