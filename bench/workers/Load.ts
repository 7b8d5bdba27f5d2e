/**
 * The load generator process (pinned to the load core by the caller). Reads one JSON job per line
 * on stdin and answers one JSON line per job on stdout, so a run pays its start-up once:
 * - `{ kind: "autocannon", url, method, headers, bodies, connections, duration }`: autocannon for
 *   `duration` seconds (each connection cycling through `bodies`, e.g. one refresh token each);
 *   answers `{ rps, ok, non2xx, errors, p50Ms, p99Ms, seconds }` (rps counts 2xx answers only);
 *   optional `requestHeaders` (one header set per request, e.g. a session cookie each) instead of bodies.
 * - `{ kind: "latency", url, bodies, seconds }`: one POST at a time over a keep-alive connection,
 *   timed with `process.hrtime`; answers `{ count, p50Ms, p90Ms, p99Ms, non2xx }`. (autocannon
 *   reports latency in whole milliseconds, too coarse for sub-millisecond medians.)
 */
import autocannon from "autocannon"
import { Agent } from "node:http"
import { createInterface } from "node:readline"
import { post } from "../lib/Post.js"

interface AutocannonJob {
  readonly kind: "autocannon"
  readonly url: string | ReadonlyArray<string>
  readonly method?: string
  readonly bodies?: ReadonlyArray<string>
  readonly headers?: Record<string, string>
  /** Extra headers per request (e.g. one session cookie each), cycled like `bodies`. */
  readonly requestHeaders?: ReadonlyArray<Record<string, string>>
  readonly connections: number
  readonly duration: number
}

interface LatencyJob {
  readonly kind: "latency"
  readonly url: string
  readonly bodies: ReadonlyArray<string>
  readonly seconds: number
}

const runAutocannon = async (job: AutocannonJob) => {
  const result = await autocannon({
    url: job.url,
    method: job.method ?? "GET",
    headers: job.headers ?? {},
    connections: job.connections,
    duration: job.duration,
    ...(job.bodies !== undefined
      ? { requests: job.bodies.map((body) => ({ body })) }
      : job.requestHeaders !== undefined
      ? { requests: job.requestHeaders.map((headers) => ({ headers: { ...job.headers, ...headers } })) }
      : {})
  })
  const ok = result["2xx"]
  return {
    rps: ok / result.duration,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    seconds: result.duration
  }
}

const runLatency = async (job: LatencyJob) => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  const url = new URL(job.url)
  const once = (body: string) => post(agent, url, url.pathname, { "content-type": "application/json" }, body)
  const samples: Array<number> = []
  let non2xx = 0
  const deadline = performance.now() + job.seconds * 1000
  for (let i = 0; performance.now() < deadline; i++) {
    const start = process.hrtime.bigint()
    const status = await once(job.bodies[i % job.bodies.length]!)
    samples.push(Number(process.hrtime.bigint() - start) / 1e6)
    if (status < 200 || status >= 300) non2xx++
  }
  agent.destroy()
  samples.sort((a, b) => a - b)
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!
  return { count: samples.length, p50Ms: at(0.5), p90Ms: at(0.9), p99Ms: at(0.99), non2xx }
}

for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === "") continue
  const job = JSON.parse(line) as AutocannonJob | LatencyJob
  try {
    const result = job.kind === "autocannon" ? await runAutocannon(job) : await runLatency(job)
    process.stdout.write(JSON.stringify(result) + "\n")
  } catch (error) {
    process.stdout.write(JSON.stringify({ error: error instanceof Error ? error.message : String(error) }) + "\n")
  }
}
