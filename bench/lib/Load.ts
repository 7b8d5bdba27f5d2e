/**
 * Load of a benchmark run: autocannon and latency jobs sent to load-generator workers
 * (bench/workers/Load.ts, one pinned to the load core, one free, started on first use), server CPU
 * and machine use around each job, and the interleaving of ours and the baseline round by round.
 */
import { onCleanup } from "./Cleanups.js"
import { log } from "./Log.js"
import { seconds } from "./Options.js"
import { type Child, cores, cpuSeconds, machineTicks, machineUse, startWorker, type Worker } from "./Processes.js"
import type { Server } from "./Servers.js"
import type { Round } from "./Stats.js"

/** What one autocannon job answers. */
export interface LoadResult {
  readonly rps: number
  readonly ok: number
  readonly non2xx: number
  readonly errors: number
  readonly seconds: number
}

const workers = new Map<string, Worker>()

/** The load-generator worker on `core` (undefined: not pinned), started on first use and stopped at the end of the run. */
export const worker = (core: string | undefined): Worker => {
  const key = core ?? "free"
  let w = workers.get(key)
  if (w === undefined) {
    w = startWorker("bench/workers/Load.ts", core)
    workers.set(key, w)
    onCleanup(w.stop)
  }
  return w
}

/** The JSON bodies of refresh requests, one per token. */
export const refreshBodies = (tokens: ReadonlyArray<string>): Array<string> =>
  tokens.map((refreshToken) => JSON.stringify({ refreshToken }))

/** What `load` and `loadGet` answer: the autocannon result, server CPU per 2xx answer and machine use. */
export type LoadRun = LoadResult & { cpuPerRequestUs: number; machine: ReturnType<typeof machineUse> }

/** One autocannon job on `core` with the server CPU of `cpuOf` around it; throws on any non-2xx answer or error. */
const autocannonJob = async (
  urls: string | ReadonlyArray<string>,
  request: { method: string; headers: Record<string, string>; bodies?: ReadonlyArray<string> },
  connections: number,
  duration: number,
  cpuOf: ReadonlyArray<Child>,
  core: string | undefined
): Promise<LoadRun> => {
  const before = cpuOf.map((c) => cpuSeconds(c.process.pid))
  const ticks = machineTicks()
  const out = await worker(core).ask<LoadResult>({ kind: "autocannon", url: urls, ...request, connections, duration })
  const machine = machineUse(ticks, machineTicks())
  const cpu = cpuOf.reduce((sum, c, i) => sum + cpuSeconds(c.process.pid) - before[i]!, 0)
  if (out.non2xx > 0 || out.errors > 0) {
    throw new Error(`${JSON.stringify(urls)}: ${out.non2xx} non-2xx answers, ${out.errors} errors`)
  }
  return { ...out, cpuPerRequestUs: (cpu / out.ok) * 1e6, machine }
}

/** One autocannon run of POST `path` (from the load core unless `core` says otherwise); `cpuOf` gets the server CPU per 2xx answer. */
export const load = (
  url: string | ReadonlyArray<string>,
  path: string,
  bodies: ReadonlyArray<string>,
  connections: number,
  duration: number,
  cpuOf: ReadonlyArray<Child> = [],
  core: string | undefined = cores.load
): Promise<LoadRun> =>
  autocannonJob(
    typeof url === "string" ? `${url}${path}` : url.map((u) => `${u}${path}`),
    { method: "POST", headers: { "content-type": "application/json" }, bodies },
    connections,
    duration,
    cpuOf,
    core
  )

/** One autocannon run of GET `url` + `path` with the same `headers` on every request (from the load core); `cpuOf` as `load`. */
export const loadGet = (
  url: string,
  path: string,
  headers: Record<string, string>,
  connections: number,
  duration: number,
  cpuOf: ReadonlyArray<Child> = [],
  core: string | undefined = cores.load
): Promise<LoadRun> => autocannonJob(`${url}${path}`, { method: "GET", headers }, connections, duration, cpuOf, core)

/** One timed side of a refresh round on `server` (`BENCH_SECONDS` long): req/s, server CPU per request and CPU stolen by the hypervisor. */
export const refreshRound = (server: Server, bodies: ReadonlyArray<string>, connections: number) => async () => {
  const r = await load(server.url, "/auth/login/refresh", bodies, connections, seconds, [server.child])
  return { value: r.rps, cpuPerRequestUs: r.cpuPerRequestUs, steal: r.machine?.steal ?? Number.NaN }
}

/** Runs `ours` and `baseline` alternately (A B, B A, ...) for `count` rounds, logging each round. */
export const interleave = async <A extends { value: number }>(
  count: number,
  ours: () => Promise<A>,
  baseline: () => Promise<A>,
  label: string
): Promise<{ rounds: Array<Round>; ourRuns: Array<A>; baseRuns: Array<A> }> => {
  const rounds: Array<Round> = []
  const ourRuns: Array<A> = []
  const baseRuns: Array<A> = []
  for (let r = 0; r < count; r++) {
    let a: A
    let b: A
    if (r % 2 === 0) {
      a = await ours()
      b = await baseline()
    } else {
      b = await baseline()
      a = await ours()
    }
    ourRuns.push(a)
    baseRuns.push(b)
    rounds.push({ ours: a.value, baseline: b.value })
    log(`${label} round ${r + 1}/${count}: ours ${a.value.toFixed(2)}, baseline ${b.value.toFixed(2)}`)
  }
  return { rounds, ourRuns, baseRuns }
}
