/**
 * `npm run bench`: Rampart against baselines measured in the same run, interleaved round by round
 * (ours, baseline, baseline, ours, ...) because the machine is shared and absolute numbers drift.
 * Servers run in their own processes pinned to one core, load generators on the other (taskset),
 * stores are fresh and removed afterwards. Prints a table and writes bench/results/latest.json as
 * `[{ name, ours, baseline, unit, ratio }]` (ratio = median of the per-round ratios); the rounds,
 * spreads and CPU figures go to bench/results/latest-details.json (a BENCH_ONLY run writes
 * latest-only.json and latest-only-details.json instead). Method: docs/benchmarks.md.
 *
 * Environment: RAMPART_BENCH_DATABASE_URL (PostgreSQL admin URL for pg-scale-out; default
 * RAMPART_TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:55432/rampart_test),
 * BENCH_SECONDS (length of one timed side of a round, default 3), BENCH_ONLY (comma-separated
 * item names), BENCH_NO_CACHE=1 (re-seed the 10^6-user store). RAMPART_HTTP / RAMPART_TRACING and
 * the other RAMPART_* variables reach the Rampart servers as they would reach `npm start`.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { availableParallelism, tmpdir } from "node:os"
import { join } from "node:path"
import pg from "pg"
import {
  type Child,
  cores,
  cpuSeconds,
  machineTicks,
  machineUse,
  pinning,
  root,
  runNode,
  startNode,
  startWorker,
  waitReady,
  wallTimeMs,
  type Worker
} from "./lib/Processes.js"
import { median, type Round, summarise } from "./lib/Stats.js"
import { requestBytes, sendWorst, worstRequests } from "./lib/WorstRequests.js"
import {
  type BenchKeys,
  type BenchStore,
  freshPostgres,
  freshSqlite,
  makeKeys,
  migrateStore,
  seed,
  seededEmail,
  seededPassword,
  seededPasswordHash,
  seededSqlite
} from "./lib/Store.js"

/** One line of latest.json. */
interface Row {
  readonly name: string
  readonly ours: number
  readonly baseline: number
  readonly unit: string
  readonly ratio: number
}

/** What the table and the details file say about a row. */
interface Item extends Row {
  readonly goal: string
  readonly met: boolean
  readonly spread: readonly [number, number]
  readonly note: string
  readonly rounds: ReadonlyArray<Round>
  readonly extra?: Record<string, unknown>
}

const seconds = Number(process.env["BENCH_SECONDS"] ?? 3)
const only = process.env["BENCH_ONLY"]?.split(",").map((s) => s.trim())
const wanted = (name: string) => only === undefined || only.includes(name)
const pgAdminUrl =
  process.env["RAMPART_BENCH_DATABASE_URL"] ??
  process.env["RAMPART_TEST_DATABASE_URL"] ??
  "postgres://postgres@127.0.0.1:55432/rampart_test"

const items: Array<Item> = []
const failures: Array<string> = []
const cleanups: Array<() => Promise<void>> = []
const started = Date.now()
const log = (message: string) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${message}\n`)

let nextPort = 18400 + Math.floor(Math.random() * 500) * 4
const port = () => nextPort++

/** Environment of a Rampart server on `store` with `keys` (production mode: no sandbox routes). */
const rampartEnv = (store: BenchStore, keys: BenchKeys, listen: number): Record<string, string> => ({
  RAMPART_HOST: "127.0.0.1",
  RAMPART_PORT: String(listen),
  RAMPART_DATABASE_URL: store.url,
  RAMPART_MODE: "production",
  RAMPART_SECRET_KEY: keys.secretKey,
  RAMPART_SIGNING_KEY: keys.signingKey,
  // Required in production; no benchmarked endpoint sends a code.
  RAMPART_OTP_WEBHOOK_URL: "http://127.0.0.1:9/unused",
  RAMPART_STATE_DIR: join(tmpdir(), "rampart-bench-state")
})

/** A running server and its base URL. */
interface Server {
  readonly child: Child
  readonly url: string
}

const startServer = async (script: string, env: Record<string, string>, listen: number, core?: string): Promise<Server> => {
  const child = startNode(script, env, core)
  cleanups.push(child.stop)
  const url = `http://127.0.0.1:${listen}`
  await waitReady(child, `${url}/health`)
  return { child, url }
}

const startRampart = (store: BenchStore, keys: BenchKeys, core?: string) => {
  const listen = port()
  return startServer("bench/serve.ts", rampartEnv(store, keys, listen), listen, core)
}

/** The JSON bodies of refresh requests, one per token. */
const refreshBodies = (tokens: ReadonlyArray<string>) => tokens.map((refreshToken) => JSON.stringify({ refreshToken }))

interface LoadResult {
  readonly rps: number
  readonly ok: number
  readonly non2xx: number
  readonly errors: number
  readonly seconds: number
}

/** Load generators: one pinned to the load core, one free (for pg-scale-out), started on first use. */
const workers = new Map<string, Worker>()
const worker = (core: string | undefined) => {
  const key = core ?? "free"
  let w = workers.get(key)
  if (w === undefined) {
    w = startWorker("bench/workers/Load.ts", core)
    workers.set(key, w)
    cleanups.push(w.stop)
  }
  return w
}

/** One autocannon run (from the load core unless `core` says otherwise); `cpuOf` gets the server CPU per 2xx answer. */
const load = async (
  url: string | ReadonlyArray<string>,
  path: string,
  bodies: ReadonlyArray<string>,
  connections: number,
  duration: number,
  cpuOf: ReadonlyArray<Child> = [],
  core: string | undefined = cores.load
): Promise<LoadResult & { cpuPerRequestUs: number; machine: ReturnType<typeof machineUse> }> => {
  const before = cpuOf.map((c) => cpuSeconds(c.process.pid))
  const ticks = machineTicks()
  const urls = typeof url === "string" ? `${url}${path}` : url.map((u) => `${u}${path}`)
  const out = await worker(core).ask<LoadResult>({
    kind: "autocannon",
    url: urls,
    method: "POST",
    headers: { "content-type": "application/json" },
    bodies,
    connections,
    duration
  })
  const machine = machineUse(ticks, machineTicks())
  const cpu = cpuOf.reduce((sum, c, i) => sum + cpuSeconds(c.process.pid) - before[i]!, 0)
  if (out.non2xx > 0 || out.errors > 0) throw new Error(`${JSON.stringify(urls)}: ${out.non2xx} non-2xx answers, ${out.errors} errors`)
  return { ...out, cpuPerRequestUs: (cpu / out.ok) * 1e6, machine }
}

/** Runs `ours` and `baseline` alternately (A B, B A, ...) for `count` rounds. */
const interleave = async <A extends { value: number }>(
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

const record = (
  name: string,
  unit: string,
  goal: { readonly op: ">=" | "<="; readonly value: number },
  rounds: ReadonlyArray<Round>,
  note: string,
  extra?: Record<string, unknown>
) => {
  const s = summarise(rounds)
  const met = goal.op === ">=" ? s.ratio >= goal.value : s.ratio <= goal.value
  items.push({ name, ours: s.ours, baseline: s.baseline, unit, ratio: s.ratio, goal: `${goal.op} ${goal.value}`, met, spread: s.spread, note, rounds, ...(extra ? { extra } : {}) })
}

const attempt = async (name: string, run: () => Promise<void>) => {
  if (!wanted(name)) return
  log(`${name}: start`)
  try {
    await run()
  } catch (error) {
    failures.push(`${name}: ${error instanceof Error ? error.message : String(error)}`)
    log(`${name}: FAILED ${error instanceof Error ? error.message : String(error)}`)
  }
}

const main = async () => {
  log(`pinning: ${pinning ? `servers on core ${cores.server}, load on core ${cores.load}` : "off (one core or no taskset)"}`)

  await attempt("cli-start", async () => {
    // The floor any Effect CLI pays: loading effect and @effect/cli, then exiting.
    const floor = ["--input-type=module", "-e", "await import('effect'); await import('@effect/cli')"]
    const bin = join(root, "bin/rampart.mjs")
    const side = (args: ReadonlyArray<string>) => async () => {
      const runs = [await wallTimeMs(process.execPath, args, cores.server), await wallTimeMs(process.execPath, args, cores.server), await wallTimeMs(process.execPath, args, cores.server)]
      return { value: median(runs) }
    }
    await side([bin, "--help"])()
    await side(floor)()
    const { rounds } = await interleave(6, side([bin, "--help"]), side(floor), "cli-start")
    record("cli-start", "ms", { op: "<=", value: 1.5 }, rounds, "wall time of `rampart --help` (bin/rampart.mjs, compiled dist/) vs `node -e \"await import('effect'); await import('@effect/cli')\"`; median of 3 runs per side and round, on the server core")
  })
  const phc = await seededPasswordHash()

  // The small store (10^3 users, each with a refresh token), shared by items 1, 2, 4 and 6.
  const keys = makeKeys()
  const small = freshSqlite()
  cleanups.push(small.drop)
  await migrateStore(small.url)
  const smallSeed = await seed(small, keys, 1000, 1000, phc)
  const needsRampart = ["refresh-rps", "login-rps", "client-overhead", "error-amplification"].some(wanted)
  const ours = needsRampart ? await startRampart(small, keys, cores.server) : undefined

  await attempt("refresh-rps", async () => {
    const listen = port()
    const baseline = await startServer("bench/baseline/RefreshServer.ts", { ...rampartEnv(small, keys, listen), BENCH_PORT: String(listen) }, listen, cores.server)
    const bodies = refreshBodies(smallSeed.tokens)
    const connections = 16
    // Warm-up: Rampart's code takes ~10 s of this load to reach its steady rate (V8 tiers up far
    // more functions than fastify's), the baseline ~2 s; both get the same, long enough for both.
    await load(ours!.url, "/auth/login/refresh", bodies, connections, 6)
    await load(baseline.url, "/auth/login/refresh", bodies, connections, 6)
    const run = (server: Server) => async () => {
      const r = await load(server.url, "/auth/login/refresh", bodies, connections, seconds, [server.child])
      return { value: r.rps, cpuPerRequestUs: r.cpuPerRequestUs, steal: r.machine?.steal ?? Number.NaN }
    }
    const { rounds, ourRuns, baseRuns } = await interleave(4, run(ours!), run(baseline), "refresh-rps")
    await baseline.child.stop()
    const cpuOurs = median(ourRuns.map((r) => r.cpuPerRequestUs))
    const cpuBase = median(baseRuns.map((r) => r.cpuPerRequestUs))
    const steal = median([...ourRuns, ...baseRuns].map((r) => r.steal))
    record(
      "refresh-rps",
      "req/s",
      { op: ">=", value: 1.0 },
      rounds,
      `SQLite store, ${connections} connections; server CPU per request ${cpuOurs.toFixed(0)} µs vs ${cpuBase.toFixed(0)} µs; CPU stolen by the hypervisor ${(steal * 100).toFixed(0)}%`,
      { connections, cpuPerRequestUs: { ours: cpuOurs, baseline: cpuBase }, steal, transport: process.env["RAMPART_HTTP"] ?? "default" }
    )
  })

  await attempt("login-rps", async () => {
    const bodies = smallSeed.tokens.map((_, i) => JSON.stringify({ email: seededEmail(i + 1), password: seededPassword }))
    const connections = 8
    await load(ours!.url, "/auth/login", bodies, connections, 2)
    const run = async () => ({ value: (await load(ours!.url, "/auth/login", bodies, connections, seconds)).rps })
    // Same core as the server, same Argon2id parameters (the seeded PHC string), 4 in flight (libuv's pool).
    const raw = async () => {
      const out = JSON.parse(
        await runNode("bench/workers/Argon2Raw.ts", [JSON.stringify({ phc, password: seededPassword, seconds, concurrency: 4 })], cores.server)
      ) as { rate: number }
      return { value: out.rate }
    }
    const { rounds } = await interleave(3, run, raw, "login-rps")
    record("login-rps", "logins/s", { op: ">=", value: 0.9 }, rounds, "Argon2id m=19456 KiB, t=2, p=1; both on the server core; baseline: 4 raw verifications in flight")
  })

  await attempt("client-overhead", async () => {
    const out = JSON.parse(
      await runNode(
        "bench/workers/ClientOverhead.ts",
        [JSON.stringify({ baseUrl: ours!.url, email: seededEmail(1), password: seededPassword, rounds: 6, seconds: Math.max(1, seconds / 2) })],
        cores.load
      )
    ) as { rounds: Array<Round>; client: string }
    for (const [i, r] of out.rounds.entries()) log(`client-overhead round ${i + 1}/${out.rounds.length}: ours ${r.ours.toFixed(0)}, baseline ${r.baseline.toFixed(0)}`)
    record(
      "client-overhead",
      "calls/s",
      { op: ">=", value: 0.8 },
      out.rounds,
      `${out.client} (otp.createTotpSecret) vs raw fetch of POST /auth/otp/methods/totp, one call at a time`
    )
  })

  await attempt("error-amplification", async () => {
    const login = await fetch(`${ours!.url}/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: seededEmail(1), password: seededPassword })
    })
    const { idToken } = (await login.json()) as { idToken: string }
    // Production mode: no partner is seeded, so partner endpoints answer their 403 to a well-formed token.
    const requests = worstRequests({ idToken, accessToken: "A".repeat(43) })
    let worst = { answer: 0, request: 1, label: "" }
    for (const request of requests) {
      const answer = await sendWorst(ours!.url, request)
      if (answer.bytes / requestBytes(request) > worst.answer / worst.request) worst = { answer: answer.bytes, request: requestBytes(request), label: request.label }
    }
    record(
      "error-amplification",
      "bytes",
      { op: "<=", value: 1 },
      [{ ours: worst.answer, baseline: worst.request }],
      `answer body bytes ÷ request bytes (URL, header values, body) of the worst of ${requests.length} hostile requests (bench/lib/WorstRequests.ts): ${worst.label}`
    )
  })

  await attempt("totp-verify", async () => {
    const out = JSON.parse(
      await runNode("bench/workers/TotpVerify.ts", [JSON.stringify({ rounds: 6, seconds: 0.6 })], cores.server)
    ) as { rounds: Array<Round> }
    record("totp-verify", "verifies/s", { op: ">=", value: 0.9 }, out.rounds, "Totp.verify in one fiber vs otplib verifySync (default plugins), window ±1 step")
  })

  await attempt("refresh-scale", async () => {
    log("refresh-scale: preparing the 10^6-user store")
    const big = await seededSqlite(1_000_000, 1000, phc)
    cleanups.push(big.store.drop)
    log(`refresh-scale: 10^6-user store ${big.fromCache ? "copied from the cache" : "seeded"}`)
    // Two fresh servers, warmed the same way, so neither has a JIT head start.
    const [large, reference] = await Promise.all([startRampart(big.store, big.keys, cores.server), startRampart(small, keys, cores.server)])
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
    const smallTokens = shuffle(smallSeed.tokens)
    await load(large.url, "/auth/login/refresh", refreshBodies(largeTokens), 16, 2)
    await load(reference.url, "/auth/login/refresh", refreshBodies(smallTokens), 16, 2)
    const { rounds, ourRuns, baseRuns } = await interleave(4, () => latency(large, largeTokens), () => latency(reference, smallTokens), "refresh-scale")
    await Promise.all([large.child.stop(), reference.child.stop()])
    record(
      "refresh-scale",
      "ms p50",
      { op: "<=", value: 1.2 },
      rounds,
      "p50 of sequential refreshes (random tokens); ours = 10^6 users, baseline = 10^3 users; SQLite",
      { p90Ms: { ours: median(ourRuns.map((r) => r.p90Ms)), baseline: median(baseRuns.map((r) => r.p90Ms)) } }
    )
  })

  if (ours !== undefined) await ours.child.stop()

  await attempt("pg-scale-out", async () => {
    const probe = new pg.Client({ connectionString: pgAdminUrl, connectionTimeoutMillis: 3000 })
    await probe.connect().then(() => probe.end(), (error: Error) => {
      throw new Error(`PostgreSQL not reachable at ${pgAdminUrl.replace(/\/\/[^@]*@/, "//***@")}: ${error.message}`)
    })
    const store = await freshPostgres(pgAdminUrl)
    cleanups.push(store.drop)
    const pgKeys = makeKeys()
    await migrateStore(store.url)
    const pgSeed = await seed(store, pgKeys, 1000, 1000, phc)
    // Not pinned: two instances, PostgreSQL and the load share the machine's cores as they would.
    const [a, b] = await Promise.all([startRampart(store, pgKeys), startRampart(store, pgKeys)])
    const bodies = refreshBodies(pgSeed.tokens)
    const connections = 32
    await load([a!.url, b!.url], "/auth/login/refresh", bodies, connections, 4, [], undefined)
    const side = (urls: ReadonlyArray<string>) => async () => {
      const r = await load(urls, "/auth/login/refresh", bodies, connections, seconds, [], undefined)
      return { value: r.rps, busy: r.machine?.busy ?? Number.NaN, steal: r.machine?.steal ?? Number.NaN }
    }
    const { rounds, ourRuns, baseRuns } = await interleave(5, side([a!.url, b!.url]), side([a!.url]), "pg-scale-out")
    await Promise.all([a!.child.stop(), b!.child.stop()])
    const busyOne = median(baseRuns.map((r) => r.busy))
    const busyTwo = median(ourRuns.map((r) => r.busy))
    record(
      "pg-scale-out",
      "req/s",
      { op: ">=", value: 1.6 },
      rounds,
      `refresh on PostgreSQL; ours = 2 instances, baseline = 1 instance; ${connections} connections; the ${availableParallelism()} cores (shared by the servers, PostgreSQL and the load) were ${(busyOne * 100).toFixed(0)}% busy with 1 instance, ${(busyTwo * 100).toFixed(0)}% with 2 (so at most ${(1 / busyOne).toFixed(2)}× on this machine)`,
      { machineBusy: { one: busyOne, two: busyTwo }, steal: median([...ourRuns, ...baseRuns].map((r) => r.steal)) }
    )
  })
}

const format = (value: number) => (Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 1 ? value.toFixed(2) : value.toFixed(3))

/** The markers in docs/benchmarks.md between which each full run writes its table. */
const docsMarkers = ["<!-- latest-table:start -->", "<!-- latest-table:end -->"] as const

/** Replaces the table in docs/benchmarks.md with this run's, when every benchmark ran (a partial run leaves it). */
const writeDocsTable = (header: ReadonlyArray<string>, lines: ReadonlyArray<ReadonlyArray<string>>) => {
  if (only !== undefined || failures.length > 0) return
  const file = join(root, "docs/benchmarks.md")
  const text = readFileSync(file, "utf8")
  const [open, close] = docsMarkers
  const from = text.indexOf(open)
  const to = text.indexOf(close)
  if (from < 0 || to < from) return
  const row = (cells: ReadonlyArray<string>) => `| ${cells.join(" | ")} |`
  const table = [
    `Run of ${new Date().toISOString().slice(0, 10)}: Node ${process.version}, ${availableParallelism()} cores, ` +
      `${pinning ? "servers and load pinned to separate cores" : "not pinned"}, HTTP transport ${process.env["RAMPART_HTTP"] ?? "fast (default)"}, ` +
      `${seconds} s per side and round.`,
    "",
    row(header),
    row(header.map(() => "---")),
    ...lines.map(row),
    "",
    ...items.map((i) => `- ${i.name}: ${i.note}`)
  ].join("\n")
  writeFileSync(file, `${text.slice(0, from + open.length)}\n${table}\n${text.slice(to)}`)
}

const report = () => {
  const header = ["benchmark", "ours", "baseline", "unit", "ratio", "spread", "goal", "met"]
  const lines = items.map((i) => [
    i.name,
    format(i.ours),
    format(i.baseline),
    i.unit,
    i.ratio.toFixed(2),
    `${i.spread[0].toFixed(2)}–${i.spread[1].toFixed(2)}`,
    i.goal,
    i.met ? "yes" : "NO"
  ])
  const widths = header.map((h, c) => Math.max(h.length, ...lines.map((l) => l[c]!.length)))
  const row = (cells: ReadonlyArray<string>) => cells.map((cell, c) => cell.padEnd(widths[c]!)).join("  ")
  console.log(row(header))
  console.log(widths.map((w) => "-".repeat(w)).join("  "))
  for (const l of lines) console.log(row(l))
  console.log("")
  for (const i of items) console.log(`${i.name}: ${i.note}`)
  for (const f of failures) console.log(`FAILED ${f}`)

  writeDocsTable(header, lines)

  const results = join(root, "bench/results")
  mkdirSync(results, { recursive: true })
  const rows: Array<Row> = items.map(({ baseline, name, ours, ratio, unit }) => ({ name, ours, baseline, unit, ratio }))
  // A BENCH_ONLY run does not replace the full run's results.
  const rowsFile = only === undefined ? "latest.json" : "latest-only.json"
  writeFileSync(join(results, rowsFile), JSON.stringify(rows, null, 2) + "\n")
  writeFileSync(
    join(results, only === undefined ? "latest-details.json" : "latest-only-details.json"),
    JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        pinning,
        secondsPerSide: seconds,
        env: { RAMPART_HTTP: process.env["RAMPART_HTTP"] ?? null, RAMPART_TRACING: process.env["RAMPART_TRACING"] ?? null },
        items,
        failures
      },
      null,
      2
    ) + "\n"
  )
  console.log(`\nwrote bench/results/${rowsFile}${only === undefined && failures.length === 0 ? " and the table in docs/benchmarks.md" : ""} (${((Date.now() - started) / 1000).toFixed(0)} s)`)
}

try {
  await main()
} catch (error) {
  failures.push(`setup: ${error instanceof Error ? error.stack ?? error.message : String(error)}`)
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined)
}
report()
process.exitCode = failures.length > 0 ? 1 : 0
