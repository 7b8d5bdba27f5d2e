/**
 * EXPERIMENT: refresh throughput of several server variants on one SQLite store, interleaved round
 * by round (A, B, C, ..., A, B, C, ...), each pinned to the server core with the load on the other.
 * Prints requests/s and server CPU per request (from /proc, robust against a noisy neighbour).
 *
 * Usage: tsx bench/experiments/compare-transports.ts [seconds=5] [rounds=3] [variant ...]
 * (WARMUP seconds of load per variant first, default 8).
 * Variants: `baseline` (fastify + jose), `fast` and `platform` (bench/serve.ts with that
 * RAMPART_HTTP; append `+tracing` for RAMPART_TRACING=true, e.g. `platform+tracing`), and
 * `script:<file>` for any server script that listens on BENCH_PORT (ad-hoc upper bounds).
 * Set PROFILE=variant to write a --cpu-prof profile of that variant to /tmp/rampart-prof,
 * ENDPOINT=login to load password logins instead of refreshes, CONNECTIONS (default 16).
 */
import { cpuSeconds, cores, startNode, startWorker, waitReady, type Child } from "../lib/Processes.js"
import { median } from "../lib/Stats.js"
import { freshSqlite, makeKeys, migrateStore, seed, seededEmail, seededPassword, seededPasswordHash } from "../lib/Store.js"

const seconds = Number(process.argv[2] ?? 5)
const rounds = Number(process.argv[3] ?? 3)
const names = process.argv.length > 4 ? process.argv.slice(4) : ["baseline", "fast", "platform"]
const connections = Number(process.env["CONNECTIONS"] ?? (process.env["ENDPOINT"] === "login" ? 8 : 16))
const tokensUsed = Number(process.env["TOKENS"] ?? 1000)

const keys = makeKeys()
const store = freshSqlite()
await migrateStore(store.url)
const seeded = await seed(store, keys, 1000, 1000, await seededPasswordHash())
const env = {
  RAMPART_DATABASE_URL: store.url,
  RAMPART_SECRET_KEY: keys.secretKey,
  RAMPART_SIGNING_KEY: keys.signingKey,
  RAMPART_MODE: "production",
  RAMPART_OTP_WEBHOOK_URL: "http://127.0.0.1:9/unused",
  RAMPART_STATE_DIR: store.url.slice("sqlite:".length) + ".state"
}

interface Variant {
  readonly name: string
  readonly port: number
  readonly child: Child
  readonly results: Array<{ rps: number; cpuPerRequestUs: number }>
}

const stops: Array<() => Promise<void>> = []

const variants: Array<Variant> = names.map((name, i) => {
  const port = 18200 + i
  const [transport, flag] = name.split("+")
  const profile = process.env["PROFILE"] === name ? ["--cpu-prof", "--cpu-prof-dir=/tmp/rampart-prof"] : []
  const start = (script: string, extra: Record<string, string>) =>
    startNode(script, { ...env, ...extra }, cores.server, profile)
  const child =
    transport === "baseline"
      ? start("bench/baseline/RefreshServer.ts", { BENCH_PORT: String(port) })
      : transport!.startsWith("script:")
        ? start(transport!.slice("script:".length), { BENCH_PORT: String(port), RAMPART_PORT: String(port) })
        : start("bench/serve.ts", { RAMPART_PORT: String(port), RAMPART_HTTP: transport!, RAMPART_TRACING: flag === "tracing" ? "true" : "false" })
  return { name, port, child, results: [] }
})

try {
  await Promise.all(variants.map((v) => waitReady(v.child, `http://127.0.0.1:${v.port}/health`)))
  const login = process.env["ENDPOINT"] === "login"
  const bodies = login
    ? seeded.tokens.map((_, i) => JSON.stringify({ email: seededEmail(i + 1), password: seededPassword }))
    : seeded.tokens.slice(0, tokensUsed).map((token) => JSON.stringify({ refreshToken: token }))
  const path = login ? "/auth/login" : "/auth/login/refresh"
  const loader = startWorker("bench/workers/Load.ts", cores.load)
  stops.push(loader.stop)
  const load = async (v: Variant, duration: number) => {
    const before = cpuSeconds(v.child.process.pid)
    const out = await loader.ask<{ rps: number; ok: number; non2xx: number }>({
      kind: "autocannon",
      url: `http://127.0.0.1:${v.port}${path}`,
      method: "POST",
      headers: { "content-type": "application/json" },
      bodies,
      connections,
      duration
    })
    if (out.non2xx > 0) throw new Error(`${v.name}: ${out.non2xx} non-2xx answers`)
    const cpu = cpuSeconds(v.child.process.pid) - before
    return { rps: out.rps, cpuPerRequestUs: (cpu / out.ok) * 1e6 }
  }
  const warmup = Number(process.env["WARMUP"] ?? 8)
  for (const v of variants) await load(v, warmup) // warm-up: Effect code needs ~10 s of load to reach its steady rate
  for (let round = 0; round < rounds; round++) {
    for (const v of variants) {
      const r = await load(v, seconds)
      v.results.push(r)
      console.log(`round ${round + 1} ${v.name.padEnd(26)} ${r.rps.toFixed(0).padStart(6)} req/s  ${r.cpuPerRequestUs.toFixed(0).padStart(5)} µs CPU/req`)
    }
  }
  const reference = variants.find((v) => v.name === "baseline")
  console.log(`\nmedians${reference ? " (ratio: per-round rps ÷ the baseline's rps in the same round, median and range)" : ""}`)
  for (const v of variants) {
    const ratios = reference ? v.results.map((r, i) => r.rps / reference.results[i]!.rps) : []
    console.log(
      `${v.name.padEnd(26)} ${median(v.results.map((r) => r.rps)).toFixed(0).padStart(6)} req/s  ${median(v.results.map((r) => r.cpuPerRequestUs)).toFixed(0).padStart(5)} µs CPU/req` +
        (reference ? `  ratio ${median(ratios).toFixed(2)} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})` : "")
    )
  }
} finally {
  await Promise.all([...stops, ...variants.map((v) => v.child.stop)].map((stop) => stop()))
  await store.drop()
}
