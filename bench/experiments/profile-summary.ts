/**
 * TOOL (documented in docs/benchmarks.md, "Tools for digging further"): summarises a V8
 * .cpuprofile (from `node --cpu-prof`, e.g. `PROFILE=fast tsx bench/experiments/compare-transports.ts`):
 * self time by bucket (HMAC, signing, SQL, Schema, Effect runtime, ...), by package and by
 * function, and inclusive time. Idle time is left out of the percentages; samples before `SKIP`
 * seconds (start-up, warm-up) are ignored.
 *
 * Usage: tsx bench/experiments/profile-summary.ts FILE [N=40] [SKIP=0]
 */
import { readFileSync } from "node:fs"

process.stdout.on("error", () => process.exit(0)) // e.g. piped into head

interface Node {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: Array<number>
  hitCount?: number
}
const profile = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as {
  nodes: Array<Node>
  samples: Array<number>
  timeDeltas: Array<number>
}
const top = Number(process.argv[3] ?? 40)
const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const parent = new Map<number, number>()
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
const skipMicros = Number(process.argv[4] ?? 0) * 1e6
const self = new Map<number, number>()
let clock = 0
profile.samples.forEach((id, i) => {
  clock += profile.timeDeltas[i] ?? 0
  if (clock < skipMicros || byId.get(id)!.callFrame.functionName === "(idle)") return
  self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
})
const total = [...self.values()].reduce((a, b) => a + b, 0)
const pkg = (url: string) => {
  const m = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)
  if (m) return m[1]!
  if (url.includes("/src/")) return "rampart src"
  if (url.includes("/bench/")) return "bench"
  if (url.startsWith("node:") || url === "") return url === "" ? "(native/gc/idle)" : "node core"
  return url
}
const label = (n: Node) =>
  `${n.callFrame.functionName || "(anon)"} ${
    n.callFrame.url.replace(/.*node_modules\//, "").replace(/.*\/work\/main\//, "")
  }:${n.callFrame.lineNumber + 1}`
const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v)
/** A coarse "what is this CPU spent on" bucket of a self frame. */
const bucket = (n: Node): string => {
  const { functionName: f, url } = n.callFrame
  if (f === "signOneShot") return "Ed25519 signing (node:crypto)"
  if (url === "node:internal/crypto/hash" || f === "Hmac") return "HMAC (node:crypto)"
  if (f === "(garbage collector)") return "garbage collection"
  if (/node_modules\/(better-sqlite3|@effect\/sql)/.test(url)) return "SQL client (@effect/sql, sqlite)"
  if (/effect\/dist\/esm\/(ParseResult|Schema|SchemaAST)\.js/.test(url) || /HttpApiSchema/.test(url)) {
    return "Schema decode/encode"
  }
  if (/effect\/dist\/esm\/(Hash|Equal|MutableHashMap|internal\/cache)/.test(url)) return "Hash/Equal (caches, maps)"
  if (/tracer|addSpanStackTrace|Span/i.test(url + f)) return "tracing"
  if (/node_modules\/(@effect\/platform|find-my-way)/.test(url)) return "@effect/platform HTTP"
  if (/node_modules\/effect\//.test(url)) return "Effect runtime (fibers, context, FiberRefs)"
  if (url.includes("/src/")) return "rampart src (handlers, services)"
  if (url.startsWith("node:") || url === "") return "Node core (HTTP parser, sockets, events)"
  return "other"
}
const byBucket = new Map<string, number>()
const bySelf = new Map<string, number>()
const byPkg = new Map<string, number>()
const inclusive = new Map<string, number>()
for (const [id, t] of self) {
  const n = byId.get(id)!
  add(bySelf, label(n), t)
  add(byBucket, bucket(n), t)
  add(byPkg, n.callFrame.functionName.startsWith("(") ? n.callFrame.functionName : pkg(n.callFrame.url), t)
  const seen = new Set<string>()
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const l = label(byId.get(cur)!)
    if (!seen.has(l)) {
      seen.add(l)
      add(inclusive, l, t)
    }
  }
}
const pct = (t: number) => ((100 * t) / total).toFixed(1).padStart(5) + "%"
const print = (title: string, m: Map<string, number>, n: number) => {
  console.log(`\n== ${title} (total ${(total / 1e6).toFixed(2)} s)`)
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(pct(v), k)
}
print("self time by bucket", byBucket, 20)
print("self time by package", byPkg, 20)
print("self time by function", bySelf, top)
print("inclusive time by function", inclusive, top)
