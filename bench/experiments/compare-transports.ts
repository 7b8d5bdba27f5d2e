/**
 * TOOL (documented in docs/benchmarks.md, "Tools for digging further"): refresh throughput of
 * several server variants on one SQLite store, interleaved round by round (A, B, C, ..., A, B, C,
 * ...), each pinned to the server core with the load on the other. Prints requests/s and server
 * CPU per request (from /proc, robust against a noisy neighbour). It is how the "What the figures
 * say" table of refresh-rps was measured; `npm run bench` only compares Rampart with the baseline.
 *
 * Usage: tsx bench/experiments/compare-transports.ts [seconds=5] [rounds=3] [variant ...]
 * (WARMUP seconds of load per variant first, default 8).
 * Variants: `baseline` (fastify + jose), `fast` and `platform` (bench/serve.ts from source with that
 * RAMPART_HTTP; append `+tracing` for RAMPART_TRACING=true, e.g. `platform+tracing`), `bundle`
 * (the shipped dist/bundle/server.js by plain node, as `npm run bench` runs it; built first when
 * stale), and
 * `script:<file>` for any server script that listens on BENCH_PORT (e.g. the upper bounds
 * bench/experiments/PlainNodeRefresh.ts and bench/experiments/DirectCallRefresh.ts).
 * Set PROFILE=variant to write a --cpu-prof profile of that variant to /tmp/rampart-prof
 * (summarise it with profile-summary.ts), ENDPOINT=login to load password logins instead of
 * refreshes, CONNECTIONS (default 16, 8 for logins), TOKENS (refresh tokens cycled, default 1000).
 */
import { onCleanup, runCleanups } from "../lib/Cleanups.js"
import { load, refreshBodies } from "../lib/Load.js"
import { type Child, cores, startNode, waitReady } from "../lib/Processes.js"
import { buildOnce, port, rampartEnv, rampartProgram } from "../lib/Servers.js"
import { median } from "../lib/Stats.js"
import {
  copySqlite,
  freshSqlite,
  makeKeys,
  migrateStore,
  seed,
  seededEmail,
  seededPassword,
  seededPasswordHash
} from "../lib/Store.js"

const seconds = Number(process.argv[2] ?? 5)
const rounds = Number(process.argv[3] ?? 3)
const names = process.argv.length > 4 ? process.argv.slice(4) : ["baseline", "fast", "platform"]
const connections = Number(process.env["CONNECTIONS"] ?? (process.env["ENDPOINT"] === "login" ? 8 : 16))
const tokensUsed = Number(process.env["TOKENS"] ?? 1000)

const keys = makeKeys()
const store = freshSqlite()
onCleanup(store.drop)
await migrateStore(store.url)
const seeded = await seed(store, keys, 1000, 1000, await seededPasswordHash())

if (names.some((name) => name.split("+")[0] === "bundle")) await buildOnce()

interface Variant {
  readonly name: string
  readonly url: string
  readonly child: Child
  readonly results: Array<{ rps: number; cpuPerRequestUs: number }>
}

const variants: Array<Variant> = names.map((name) => {
  const listen = port()
  const [transport, flag] = name.split("+")
  const profile = process.env["PROFILE"] === name ? ["--cpu-prof", "--cpu-prof-dir=/tmp/rampart-prof"] : []
  // One Rampart process per SQLite file: each variant on its own copy of the seeded store.
  const own = copySqlite(store)
  onCleanup(own.drop)
  const start = (script: string, extra: Record<string, string>, loader = true) =>
    startNode(
      script,
      { ...rampartEnv(own, keys, listen), BENCH_PORT: String(listen), ...extra },
      cores.server,
      profile,
      loader
    )
  const child = transport === "baseline"
    ? start("bench/baseline/RefreshServer.ts", {})
    : transport === "bundle"
    ? start(rampartProgram, { RAMPART_TRACING: flag === "tracing" ? "true" : "false" }, false)
    : transport!.startsWith("script:")
    ? start(transport!.slice("script:".length), {})
    : start("bench/serve.ts", { RAMPART_HTTP: transport!, RAMPART_TRACING: flag === "tracing" ? "true" : "false" })
  onCleanup(child.stop)
  return { name, url: `http://127.0.0.1:${listen}`, child, results: [] }
})

try {
  await Promise.all(variants.map((v) => waitReady(v.child, `${v.url}/health`)))
  const login = process.env["ENDPOINT"] === "login"
  const bodies = login
    ? seeded.tokens.map((_, i) => JSON.stringify({ email: seededEmail(i + 1), password: seededPassword }))
    : refreshBodies(seeded.tokens.slice(0, tokensUsed))
  const path = login ? "/auth/login" : "/auth/login/refresh"
  const run = (v: Variant, duration: number) => load(v.url, path, bodies, connections, duration, [v.child])
  const warmup = Number(process.env["WARMUP"] ?? 8)
  for (const v of variants) await run(v, warmup) // warm-up: Effect code needs ~10 s of load to reach its steady rate
  for (let round = 0; round < rounds; round++) {
    for (const v of variants) {
      const { cpuPerRequestUs, rps } = await run(v, seconds)
      v.results.push({ rps, cpuPerRequestUs })
      console.log(
        `round ${round + 1} ${v.name.padEnd(26)} ${rps.toFixed(0).padStart(6)} req/s  ${
          cpuPerRequestUs.toFixed(0).padStart(5)
        } µs CPU/req`
      )
    }
  }
  const reference = variants.find((v) => v.name === "baseline")
  console.log(
    `\nmedians${reference ? " (ratio: per-round rps ÷ the baseline's rps in the same round, median and range)" : ""}`
  )
  for (const v of variants) {
    const ratios = reference ? v.results.map((r, i) => r.rps / reference.results[i]!.rps) : []
    console.log(
      `${v.name.padEnd(26)} ${median(v.results.map((r) => r.rps)).toFixed(0).padStart(6)} req/s  ${
        median(v.results.map((r) => r.cpuPerRequestUs)).toFixed(0).padStart(5)
      } µs CPU/req` +
        (reference
          ? `  ratio ${median(ratios).toFixed(2)} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`
          : "")
    )
  }
} finally {
  await runCleanups()
}
