/**
 * peer-totp's load side (pinned to the load core by the caller): one TOTP verification at a time
 * over one keep-alive connection, each request for a different user whose secret is still
 * unvalidated (a code is single use and a step lasts 30 s, so no code is sent twice). The code is
 * computed with Rampart's own `totpAt` (src/Totp.ts) right before its request is sent, and put
 * where `{{code}}` appears in the request's headers or body. Before the timed requests, `warmUp`
 * GETs of `warmPath` (the server's health route) over the same connection warm this process's own
 * HTTP code, which is otherwise cold in every round (a fresh process), and its connection.
 * Prints `{ count, p50Ms, p90Ms, non2xx, statuses }`.
 */
import { Either } from "effect"
import { Agent } from "node:http"
import { totpAt } from "../../src/Totp.js"
import { post } from "../lib/Post.js"
import { send } from "../lib/Send.js"

interface TotpRequest {
  readonly path: string
  readonly headers: Record<string, string>
  readonly body: string
  readonly secret: string
}

interface RoundTripOptions {
  readonly url: string
  readonly requests: ReadonlyArray<TotpRequest>
  readonly warmPath: string
  readonly warmUp: number
}

const options = JSON.parse(process.argv[2]!) as RoundTripOptions
const url = new URL(options.url)
const agent = new Agent({ keepAlive: true, maxSockets: 1 })

for (let i = 0; i < options.warmUp; i++) await send(options.url, agent, { method: "GET", path: options.warmPath })

const samples: Array<number> = []
const statuses: Record<string, number> = {}
let non2xx = 0
for (const r of options.requests) {
  const code = totpAt(r.secret, Math.floor(Date.now() / 1000))
  if (Either.isLeft(code)) throw new Error(`totpAt: ${code.left.message}`)
  const fill = (s: string) => s.replaceAll("{{code}}", code.right)
  const headers = Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, fill(v)]))
  const body = fill(r.body)
  const start = process.hrtime.bigint()
  const status = await post(agent, url, r.path, headers, body)
  samples.push(Number(process.hrtime.bigint() - start) / 1e6)
  statuses[status] = (statuses[status] ?? 0) + 1
  if (status < 200 || status >= 300) non2xx++
}
agent.destroy()
samples.sort((a, b) => a - b)
const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!
process.stdout.write(JSON.stringify({ count: samples.length, p50Ms: at(0.5), p90Ms: at(0.9), non2xx, statuses }) + "\n")
