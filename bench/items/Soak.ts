/**
 * soak: ten minutes (`BENCH_SOAK_SECONDS`, default 600) of mixed load on one sandbox server over a
 * fresh SQLite store seeded with 64 users (TOTP enrolled) and 4 partners: refreshes on 8
 * connections, and one connection each of password logins, EMAIL code requests, step-ups with a
 * current TOTP code (`POST /auth/otp/verify`) and partner logins. Reports the errors (5xx or no
 * answer; a documented refusal such as a spaced-out code request is an answer, counted apart), the
 * p99 of each endpoint, and the growth of the server's RSS after the warm-up (the first tenth): the
 * median of the RSS samples (every 5 s) in the last tenth of the run ÷ their median in the tenth
 * right after the warm-up. Goal ≤ 1.1 with no error. Medians of windows, not two single samples:
 * the RSS of a healthy server swings with its collections (by a third within a minute here), and
 * a single sample says where the last collection left it, not whether memory grows.
 */
import { Either } from "effect"
import { writeFileSync } from "node:fs"
import * as Http from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { totpAt } from "../../src/Totp.js"
import { onCleanup } from "../lib/Cleanups.js"
import { log } from "../lib/Log.js"
import { cores, rssMiB } from "../lib/Processes.js"
import type { Measured } from "../lib/Report.js"
import { send } from "../lib/Send.js"
import { port, rampartEnv, startRampartProgram } from "../lib/Servers.js"
import { median } from "../lib/Stats.js"
import { freshSqlite, makeKeys } from "../lib/Store.js"
import type { BenchItem } from "./Item.js"

const soakSeconds = Number(process.env["BENCH_SOAK_SECONDS"] ?? 600)
const password = "soak password 123"
const base32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
const secretOf = (i: number) => Array.from({ length: 32 }, (_, k) => base32[(i * 7 + k * 13) % 32]).join("")
const users = Array.from({ length: 64 }, (_, i) => ({ email: `soak${i}@example.com`, secret: secretOf(i) }))
const partners = Array.from({ length: 4 }, (_, i) => ({
  email: `soak-partner${i}@example.com`,
  clientId: 7000 + i,
  clientSecret: `soak client secret number ${i} of 32+ characters`,
  secret: secretOf(100 + i)
}))

/** The current TOTP code of `secret`. */
const code = (secret: string) => Either.getOrThrow(totpAt(secret, Math.floor(Date.now() / 1000)))

/** One JSON request over `agent`: its status and parsed body, or status 0 when it got no answer. */
const request = async (
  url: string,
  agent: Http.Agent,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {}
): Promise<{ status: number; body: any }> => {
  const answer = await send(url, agent, { method, path, body, headers })
  if ("error" in answer) return { status: 0, body: undefined }
  try {
    return { status: answer.status, body: answer.body === "" ? undefined : JSON.parse(answer.body) }
  } catch {
    return { status: answer.status, body: answer.body }
  }
}

/** Latencies and answers of one endpoint. */
interface Tally {
  readonly ms: Array<number>
  errors: number
  refusals: number
}

const percentile = (values: ReadonlyArray<number>, p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!
}

/** The soak item. */
export const soak: BenchItem<void> = {
  name: "soak",
  run: async () => {
    const seed = join(tmpdir(), `rampart-soak-seed-${process.pid}.json`)
    writeFileSync(
      seed,
      JSON.stringify({
        users: users.map((u) => ({ email: u.email, password, totp_secret: u.secret })),
        partners: partners.map((p) => ({
          email: p.email,
          password,
          client_id: p.clientId,
          client_secret: p.clientSecret,
          totp_secret: p.secret
        }))
      })
    )
    const store = freshSqlite()
    onCleanup(store.drop)
    const listen = port()
    // The sandbox's own delivery (its outbox): no webhook, so every code request is answered.
    const { RAMPART_OTP_WEBHOOK_URL: _unused, ...env } = rampartEnv(store, makeKeys(), listen)
    const server = await startRampartProgram(
      { ...env, RAMPART_MODE: "sandbox", RAMPART_SEED: seed },
      listen,
      cores.server
    )
    const agent = new Http.Agent({ keepAlive: true, maxSockets: 16 })
    const tallies = new Map<string, Tally>()
    let recording = false
    const call = async (
      name: string,
      method: string,
      path: string,
      body?: unknown,
      headers?: Record<string, string>
    ) => {
      const started = performance.now()
      const answer = await request(server.url, agent, method, path, body, headers)
      if (recording) {
        const tally = tallies.get(name) ?? { ms: [], errors: 0, refusals: 0 }
        tallies.set(name, tally)
        tally.ms.push(performance.now() - started)
        if (answer.status === 0 || answer.status >= 500) tally.errors++
        else if (answer.status >= 400) tally.refusals++
      }
      return answer
    }

    // The first half of the users only refresh (logged in once: their tokens stay live); the other
    // half log in again and again (a user keeps at most 100 live refresh tokens, so theirs rotate).
    const refreshers = users.slice(0, users.length / 2)
    const loggers = users.slice(users.length / 2)
    const tokens = await Promise.all(refreshers.map(async (u) => {
      const login = await call("login", "POST", "/auth/login", { email: u.email, password })
      if (login.status !== 200) {
        throw new Error(`soak: seeding login failed (${login.status}): ${JSON.stringify(login.body)}`)
      }
      return login.body as { idToken: string; refreshToken: string }
    }))

    const until = performance.now() + soakSeconds * 1000
    const running = () => performance.now() < until
    const loops: Array<Promise<void>> = []
    const loop = (body: (i: number) => Promise<unknown>, pauseMs = 0) =>
      loops.push((async () => {
        for (let i = 0; running(); i++) {
          await body(i)
          if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs))
        }
      })())
    for (let c = 0; c < 8; c++) {
      loop((i) =>
        call("refresh", "POST", "/auth/login/refresh", {
          refreshToken: tokens[(i * 8 + c) % tokens.length]!.refreshToken
        })
      )
    }
    loop((i) => call("login", "POST", "/auth/login", { email: loggers[i % loggers.length]!.email, password }))
    loop((i) =>
      call("otp-request", "GET", "/auth/otp/code?method=EMAIL", undefined, {
        authorization: `Bearer ${tokens[i % tokens.length]!.idToken}`
      }), 2_000)
    // A TOTP code is single use: each user steps up once per 30 s step at most (32 users, one every second).
    loop(async (i) => {
      const user = loggers[i % loggers.length]!
      const fresh = await call("login", "POST", "/auth/login", { email: user.email, password })
      if (fresh.status === 200) {
        await call("stepup", "POST", "/auth/otp/verify", undefined, {
          authorization: `Bearer ${fresh.body.idToken}`,
          "x-otp": code(user.secret)
        })
      }
    }, 1_000)
    loop((i) => {
      const partner = partners[i % partners.length]!
      return call("partner-login", "POST", "/api/v1/partners/auth/login", {
        email: partner.email,
        password,
        client_id: partner.clientId,
        client_secret: partner.clientSecret,
        security_code: code(partner.secret)
      })
    }, 8_000)

    const warmUpMs = Math.max(10, soakSeconds / 10) * 1000
    await new Promise((resolve) => setTimeout(resolve, warmUpMs))
    recording = true
    const pid = server.child.process.pid
    const samples: Array<number> = [rssMiB(pid)]
    const sampler = setInterval(() => samples.push(rssMiB(pid)), 5_000)
    await Promise.all(loops)
    clearInterval(sampler)
    samples.push(rssMiB(pid))
    // A tenth of the run after the warm-up at each end (at least 3 samples).
    const window = Math.max(3, Math.round(samples.length / 10))
    const warm = median(samples.slice(0, window))
    const end = median(samples.slice(-window))
    agent.destroy()
    await server.child.stop()

    const errors = [...tallies.values()].reduce((sum, t) => sum + t.errors, 0)
    const p99 = Object.fromEntries([...tallies].map(([name, t]) => [name, Number(percentile(t.ms, 0.99).toFixed(1))]))
    const counts = Object.fromEntries([...tallies].map(([name, t]) => [name, t.ms.length]))
    const refusals = Object.fromEntries([...tallies].map(([name, t]) => [name, t.refusals]))
    const ratio = end / warm
    log(
      `soak: ${errors} errors, p99 ${JSON.stringify(p99)}, RSS ${warm.toFixed(0)} → ${end.toFixed(0)} MiB ` +
        `(medians of ${window} samples; first ${samples[0]!.toFixed(0)}, last ${samples.at(-1)!.toFixed(0)})`
    )
    return {
      ours: end,
      baseline: warm,
      unit: "MiB RSS",
      ratio,
      goal: "<= 1.1, 0 errors",
      met: ratio <= 1.1 && errors === 0,
      spread: [Math.min(...samples) / warm, Math.max(...samples) / warm],
      note:
        `${soakSeconds} s of mixed load on one sandbox server (SQLite), measured after a ${
          warmUpMs / 1000
        } s warm-up: ` +
        `ours = median server RSS over the last ${window} samples (every 5 s), baseline = over the first ${window} after the warm-up; ${errors} errors (5xx or no answer); ` +
        `requests ${JSON.stringify(counts)}; p99 ms ${JSON.stringify(p99)}; documented refusals ${
          JSON.stringify(refusals)
        }`,
      rounds: [{ ours: end, baseline: warm }],
      extra: { errors, p99, counts, refusals, samples }
    } satisfies Measured
  }
}
