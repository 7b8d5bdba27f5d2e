/**
 * The peer table against better-auth 1.7.29 (bench/peers/BetterAuthServer.ts: better-sqlite3,
 * email + password, twoFactor plugin, its default scrypt), each item interleaved round by round
 * with Rampart (its shipped server program, production mode, as every other item starts it):
 * - peer-startup: spawn → first 200 on the health route (`/health`, `/api/auth/ok`), ms, fresh
 *   SQLite store migrated at start on both sides, both compiled JavaScript run by plain node, as
 *   each is deployed: Rampart's server program as the package ships it (dist/bundle/server.js,
 *   what `npm start` runs, production mode), better-auth's server compiled by esbuild with its
 *   packages left to node_modules (what tsc output of that file would load).
 * - peer-rss: VmRSS of the server process 1 s after its first 200, idle, the same two processes.
 * - peer-login: logins/s at 8 connections (`POST /auth/login` / `POST /api/auth/sign-in/email`),
 *   each divided by its own raw hash verifications/s on the server core (Argon2Raw.ts / ScryptRaw.ts).
 * - peer-session: `POST /auth/login/refresh` req/s ÷ `GET /api/auth/get-session` req/s, 16 connections.
 * - peer-totp: p50 of one TOTP enrolment verification over HTTP (`POST /auth/otp/code` {channel:
 *   TOTP} with x-otp / `POST /api/auth/two-factor/verify-totp`), a fresh user per request.
 * - peer-stepup: p50 of one step-up with a current TOTP code of an enrolled user (`POST
 *   /auth/otp/verify` with x-otp / `POST /api/auth/two-factor/verify-totp` with the session cookie),
 *   a fresh enrolled user per request.
 * Servers on the server core, load on the load core (taskset), as the other items.
 */
import * as Either from "effect/Either"
import * as esbuild from "esbuild"
import { join } from "node:path"
import { totpAt } from "../../src/Totp.js"
import { onCleanup } from "../lib/Cleanups.js"
import { interleave, load, refreshBodies, worker } from "../lib/Load.js"
import { log } from "../lib/Log.js"
import { seconds, wanted } from "../lib/Options.js"
import { type Child, cores, root, rssMiB, runNode, startNode, waitReady } from "../lib/Processes.js"
import { measured } from "../lib/Report.js"
import { buildOnce, port, rampartEnv, rampartProgram, type Server, startRampart } from "../lib/Servers.js"
import { median, medianOfRuns } from "../lib/Stats.js"
import {
  type BenchKeys,
  freshSqlite,
  makeKeys,
  migrateStore,
  seed,
  seededEmail,
  seededPassword,
  seededPasswordHash
} from "../lib/Store.js"
import type { BenchItem } from "./Item.js"

const theirScript = "bench/peers/BetterAuthServer.ts"
const theirHealth = "/api/auth/ok"

/** The environment of the better-auth peer on `listen` with its SQLite file `file`. */
const theirEnv = (listen: number, file: string): Record<string, string> => ({
  BENCH_PORT: String(listen),
  BENCH_SQLITE: file,
  NODE_ENV: "production"
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls `url` every 2 ms until it answers 200 (or the child exits). */
const firstOk = async (child: Child, url: string, timeoutMs = 60_000) => {
  const deadline = performance.now() + timeoutMs
  while (performance.now() < deadline) {
    if (child.process.exitCode !== null) {
      throw new Error(`server exited (${child.process.exitCode}):\n${child.output()}`)
    }
    try {
      const response = await fetch(url)
      await response.arrayBuffer()
      if (response.status === 200) return
    } catch {
      // not listening yet
    }
    await sleep(2)
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms:\n${child.output()}`)
}

/** The same program unbundled (tsc's output), for the note. */
const ourUnbundledProgram = "dist/Server/main.js"
/** better-auth's server compiled to JavaScript, its packages resolved from node_modules at run time. */
const theirProgram = "bench/.scratch/peers/BetterAuthServer.mjs"

/** Builds both programs that the cold starts run: Rampart's dist/ when stale, the peer's with esbuild. */
const compile = async () => {
  await buildOnce()
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: [theirScript],
    outfile: theirProgram,
    bundle: true,
    packages: "external",
    format: "esm",
    platform: "node",
    target: "node20",
    logLevel: "warning"
  })
}
let compiled: Promise<void> | undefined
/** `compile`, once per run (peer-startup and peer-rss both need the programs). */
const compilePrograms = () => (compiled ??= compile())

/** A program of a cold start: ours bundled (as shipped) or unbundled, or theirs. */
type Program = "ours" | "ours-unbundled" | "theirs"

/** One cold start of a program on a fresh store: spawn → first 200 (ms) and, when asked, idle RSS 1 s later. */
const coldStart = async (program: Program, keys: BenchKeys, withRss: boolean): Promise<{ ms: number; rss: number }> => {
  const store = freshSqlite()
  onCleanup(store.drop)
  const listen = port()
  const [script, env, health] = program === "theirs"
    ? [theirProgram, theirEnv(listen, store.url.slice("sqlite:".length)), theirHealth]
    : [program === "ours" ? rampartProgram : ourUnbundledProgram, rampartEnv(store, keys, listen), "/health"]
  const started = performance.now()
  const child = startNode(join(root, script), env, cores.server, [], false)
  onCleanup(child.stop)
  try {
    await firstOk(child, `http://127.0.0.1:${listen}${health}`)
    const ms = performance.now() - started
    let rss = Number.NaN
    if (withRss) {
      await sleep(1000)
      rss = rssMiB(child.process.pid)
    }
    return { ms, rss }
  } finally {
    await child.stop()
    await store.drop()
  }
}

/** The peer-startup item. */
export const peerStartup: BenchItem<void> = {
  name: "peer-startup",
  run: async () => {
    const keys = makeKeys()
    await compilePrograms()
    // One start each first, so that the files are in the page cache for both sides alike.
    await coldStart("ours", keys, false)
    await coldStart("theirs", keys, false)
    const side = (which: Program) => async () => ({ value: (await coldStart(which, keys, false)).ms })
    const { rounds } = await interleave(6, side("ours"), side("theirs"), "peer-startup")
    // The same program without the bundle, for the note: what bundling takes away.
    const unbundled = await medianOfRuns(3, async () => (await coldStart("ours-unbundled", keys, false)).ms)
    return measured(
      "ms",
      { op: "<=", value: 1.0 },
      rounds,
      `spawn → first 200 on the health route (/health vs /api/auth/ok), plain node, compiled JavaScript on both sides: Rampart's shipped server program (${rampartProgram}, production mode) vs better-auth's server (bench/peers/BetterAuthServer.ts compiled by esbuild, packages from node_modules), on the server core, each on a fresh SQLite file it migrates at start; Rampart unbundled (${ourUnbundledProgram}): ${
        unbundled.toFixed(0)
      } ms`,
      { unbundledMs: unbundled }
    )
  }
}

/** The peer-rss item. */
export const peerRss: BenchItem<void> = {
  name: "peer-rss",
  run: async () => {
    const keys = makeKeys()
    await compilePrograms()
    const side = (which: Program) => async () => ({ value: (await coldStart(which, keys, true)).rss })
    const { rounds } = await interleave(4, side("ours"), side("theirs"), "peer-rss")
    const unbundled = await medianOfRuns(2, async () => (await coldStart("ours-unbundled", keys, true)).rss)
    return measured(
      "MiB",
      { op: "<=", value: 1.5 },
      rounds,
      `VmRSS of the server process 1 s after its first 200, idle, fresh SQLite store; the same two programs as peer-startup (plain node, compiled); Rampart unbundled: ${
        unbundled.toFixed(0)
      } MiB`,
      { unbundledMiB: unbundled }
    )
  }
}

/** What peer-login, peer-session and peer-totp share: Rampart and better-auth running, with users. */
export interface Peers {
  readonly ours: Server
  readonly theirs: Server
  readonly phc: string
  readonly ourTokens: ReadonlyArray<string>
  /** Emails of the better-auth users signed up through its API (password `seededPassword`). */
  readonly theirEmails: ReadonlyArray<string>
  /** One session cookie (`name=value`) per better-auth user. */
  readonly theirCookies: ReadonlyArray<string>
}

/** Runs `f` on every element, `width` at a time. */
const pool = async <A, B>(
  items: ReadonlyArray<A>,
  width: number,
  f: (a: A, i: number) => Promise<B>
): Promise<Array<B>> => {
  const out: Array<B> = new Array(items.length)
  let next = 0
  const lane = async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await f(items[i]!, i)
    }
  }
  await Promise.all(Array.from({ length: width }, lane))
  return out
}

/** POSTs JSON; resolves with the status, JSON body and session cookie (`name=value`) if one was set. */
const postJson = async (url: string, body: unknown, headers: Record<string, string> = {}) => {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body)
  })
  const text = await response.text()
  if (response.status < 200 || response.status >= 300) {
    throw new Error(`POST ${url}: ${response.status} ${text.slice(0, 300)}`)
  }
  const cookie = response.headers.getSetCookie().map((c) => c.split(";")[0]!).find((c) =>
    c.startsWith("better-auth.session_token=")
  )
  return { json: JSON.parse(text) as Record<string, unknown>, cookie }
}

/** Signs up `email` on better-auth (password `seededPassword`); its session cookie. */
const signUp = async (theirs: Server, email: string): Promise<string> => {
  const { cookie } = await postJson(`${theirs.url}/api/auth/sign-up/email`, {
    email,
    password: seededPassword,
    name: "bench"
  }, { origin: theirs.url })
  if (cookie === undefined) throw new Error("better-auth sign-up set no session cookie")
  return cookie
}

/** Starts Rampart (10^3 seeded users with refresh tokens) and better-auth (32 users signed up through its API), both on the server core. */
export const preparePeers = async (needed: boolean): Promise<Peers | undefined> => {
  if (!needed) return undefined
  const phc = await seededPasswordHash()
  const keys = makeKeys()
  const small = freshSqlite()
  onCleanup(small.drop)
  await migrateStore(small.url)
  const seeded = await seed(small, keys, 1000, 1000, phc)
  const ours = await startRampart(small, keys, cores.server)
  const theirStore = freshSqlite()
  onCleanup(theirStore.drop)
  const listen = port()
  // Compiled JavaScript by plain node on both sides, as each is deployed (startRampart runs Rampart's shipped program).
  await compilePrograms()
  const child = startNode(
    join(root, theirProgram),
    theirEnv(listen, theirStore.url.slice("sqlite:".length)),
    cores.server,
    [],
    false
  )
  onCleanup(child.stop)
  const theirs = { child, url: `http://127.0.0.1:${listen}` }
  await waitReady(child, `${theirs.url}${theirHealth}`)
  const theirEmails = Array.from({ length: 32 }, (_, i) => `peer${i + 1}@bench.test`)
  const theirCookies = await pool(theirEmails, 4, (email) => signUp(theirs, email))
  return { ours, theirs, phc, ourTokens: seeded.tokens, theirEmails, theirCookies }
}

/** Stops both peer servers. */
export const stopPeers = async (peers: Peers | undefined): Promise<void> => {
  if (peers === undefined) return
  await peers.ours.child.stop()
  await peers.theirs.child.stop()
}

const need = (peers: Peers | undefined): Peers => {
  if (peers === undefined) throw new Error("the peer servers were not started")
  return peers
}

/** The peer-login item. */
export const peerLogin: BenchItem<Peers | undefined> = {
  name: "peer-login",
  run: async (input) => {
    const peers = need(input)
    const connections = 8
    // better-auth completes only a few logins/s here (its scrypt takes 32 MiB and ~0.1 s per
    // verification), so both sides get at least 6 s per round for the count to mean something.
    const duration = Math.max(seconds, 6)
    const ourBodies = Array.from(
      { length: 32 },
      (_, i) => JSON.stringify({ email: seededEmail(i + 1), password: seededPassword })
    )
    const theirBodies = peers.theirEmails.map((email) => JSON.stringify({ email, password: seededPassword }))
    const raw = async (script: string, args: Record<string, unknown>) =>
      (JSON.parse(
        await runNode(script, [
          JSON.stringify({ ...args, password: seededPassword, seconds: duration, concurrency: 4 })
        ], cores.server)
      ) as { rate: number }).rate
    await load(peers.ours.url, "/auth/login", ourBodies, connections, 2)
    await load(peers.theirs.url, "/api/auth/sign-in/email", theirBodies, connections, 2)
    const side =
      (server: Server, path: string, bodies: ReadonlyArray<string>, script: string, args: Record<string, unknown>) =>
      async () => {
        const rps = (await load(server.url, path, bodies, connections, duration, [server.child])).rps
        const rate = await raw(script, args)
        return { value: rps / rate, rps, rate }
      }
    const { rounds, ourRuns, baseRuns } = await interleave(
      3,
      side(peers.ours, "/auth/login", ourBodies, "bench/workers/Argon2Raw.ts", { phc: peers.phc }),
      side(peers.theirs, "/api/auth/sign-in/email", theirBodies, "bench/workers/ScryptRaw.ts", {}),
      "peer-login"
    )
    const f = (runs: ReadonlyArray<{ rps: number; rate: number }>) =>
      `${median(runs.map((r) => r.rps)).toFixed(1)} logins/s over ${median(runs.map((r) => r.rate)).toFixed(1)} raw/s`
    return measured(
      "logins per raw hash",
      { op: ">=", value: 1.0 },
      rounds,
      `${connections} connections, ${duration} s per side and round, each side's logins/s divided by its own raw verifications/s (4 in flight, server core): Rampart Argon2id m=19456 KiB t=2 p=1 ${
        f(ourRuns)
      }; better-auth scrypt N=16384 r=16 p=1 ${f(baseRuns)}`,
      { connections, duration, ours: ourRuns, theirs: baseRuns }
    )
  }
}

/** One autocannon run of `GET path` with one of `cookies` per request, from the load core. */
const getLoad = async (
  server: Server,
  path: string,
  cookies: ReadonlyArray<string>,
  connections: number,
  duration: number
) => {
  const out = await worker(cores.load).ask<{ rps: number; non2xx: number; errors: number }>({
    kind: "autocannon",
    url: `${server.url}${path}`,
    method: "GET",
    headers: {},
    requestHeaders: cookies.map((cookie) => ({ cookie })),
    connections,
    duration
  })
  if (out.non2xx > 0 || out.errors > 0) {
    throw new Error(`${server.url}${path}: ${out.non2xx} non-2xx answers, ${out.errors} errors`)
  }
  return out
}

/** The peer-session item. */
export const peerSession: BenchItem<Peers | undefined> = {
  name: "peer-session",
  run: async (input) => {
    const peers = need(input)
    const connections = 16
    // A get-session with our cookie must find the session (it answers 200 with null otherwise).
    const check = await fetch(`${peers.theirs.url}/api/auth/get-session`, {
      headers: { cookie: peers.theirCookies[0]! }
    })
    const session = (await check.json()) as { session?: unknown } | null
    if (session?.session === undefined) throw new Error("better-auth get-session did not find the signed-up session")
    const bodies = refreshBodies(peers.ourTokens)
    // The same warm-up as refresh-rps for both.
    await load(peers.ours.url, "/auth/login/refresh", bodies, connections, 6)
    await getLoad(peers.theirs, "/api/auth/get-session", peers.theirCookies, connections, 6)
    const { rounds } = await interleave(
      4,
      async () => ({
        value: (await load(peers.ours.url, "/auth/login/refresh", bodies, connections, seconds, [peers.ours.child])).rps
      }),
      async () => ({
        value: (await getLoad(peers.theirs, "/api/auth/get-session", peers.theirCookies, connections, seconds)).rps
      }),
      "peer-session"
    )
    return measured(
      "req/s",
      { op: ">=", value: 4.0 },
      rounds,
      `Rampart POST /auth/login/refresh (10^3 refresh tokens) vs better-auth GET /api/auth/get-session (32 session cookies, its default: no cookie cache, session read from SQLite), ${connections} connections`,
      { connections }
    )
  }
}

/** One request of bench/workers/TotpRoundTrip.ts: `{{code}}` in its headers or body becomes the current code of `secret`. */
interface TotpRequest {
  readonly path: string
  readonly headers: Record<string, string>
  readonly body: string
  readonly secret: string
}

/** TOTP requests per side and round of peer-totp and peer-stepup (a code is single use: one fresh user per request). */
const perRound = 20

/** Untimed rounds per side before the timed ones: the server's code for these requests reaches its steady speed after a few hundred of them (V8), on both sides. */
const warmUpRounds = 4
/** Timed rounds per side, interleaved. */
const timedRounds = 4
/** GETs of the health route each round's client sends first: a round's client is a fresh process, its own HTTP code cold. */
const clientWarmUp = 200

/**
 * p50 of one TOTP verification at a time over a keep-alive connection (bench/workers/TotpRoundTrip.ts,
 * load core), `perRound` requests per side and round, each prepared for a fresh user just before;
 * `warmUpRounds` untimed rounds per side, then `timedRounds` interleaved rounds. Every timed request must answer 2xx.
 */
const totpRoundTrips = async (
  peers: Peers,
  label: string,
  ourRequests: () => Promise<Array<TotpRequest>>,
  theirRequests: () => Promise<Array<TotpRequest>>
) => {
  const side = (server: Server, warmPath: string, prepare: () => Promise<Array<TotpRequest>>) => async () => {
    const requests = await prepare()
    const out = JSON.parse(
      await runNode(
        "bench/workers/TotpRoundTrip.ts",
        [JSON.stringify({ url: server.url, requests, warmPath, warmUp: clientWarmUp })],
        cores.load
      )
    ) as {
      p50Ms: number
      non2xx: number
      statuses: Record<string, number>
    }
    if (out.non2xx > 0) throw new Error(`${server.url}: TOTP verifications answered ${JSON.stringify(out.statuses)}`)
    return { value: out.p50Ms }
  }
  const ours = side(peers.ours, "/health", ourRequests)
  const theirs = side(peers.theirs, theirHealth, theirRequests)
  for (let round = 0; round < warmUpRounds; round++) {
    await ours()
    await theirs()
  }
  return interleave(timedRounds, ours, theirs, label)
}

/** The code of `secret` one step (30 s) ago: accepted by both sides' enrolment check (window ±1), and older than any code a later request sends. */
const previousStepCode = (secret: string): string => {
  const code = totpAt(secret, Math.floor(Date.now() / 1000) - 30)
  if (Either.isLeft(code)) throw new Error(`totpAt: ${code.left.message}`)
  return code.right
}

/** Rampart: seeded user `n` logged in with an unvalidated TOTP secret; its idToken header and the secret. */
const ourUnvalidatedTotp = async (peers: Peers, n: number) => {
  const login = await postJson(`${peers.ours.url}/auth/login`, { email: seededEmail(n), password: seededPassword })
  const authorization = `Bearer ${String(login.json["idToken"])}`
  const enrolled = await postJson(`${peers.ours.url}/auth/otp/methods/totp`, {}, { authorization })
  return { authorization, secret: String((enrolled.json["totp"] as { secret: string }).secret) }
}

/** better-auth: user `email` signed up with 2FA enabled (an unverified TOTP secret); its session cookie and the secret. */
const theirUnverifiedTotp = async (peers: Peers, email: string) => {
  const cookie = await signUp(peers.theirs, email)
  const origin = peers.theirs.url
  const enabled = await postJson(`${peers.theirs.url}/api/auth/two-factor/enable`, { password: seededPassword }, {
    cookie,
    origin
  })
  const secret = new URL(String(enabled.json["totpURI"])).searchParams.get("secret")
  if (secret === null) throw new Error("better-auth's totpURI has no secret")
  return { cookie, origin, secret }
}

/** The peer-totp item. */
export const peerTotp: BenchItem<Peers | undefined> = {
  name: "peer-totp",
  run: async (input) => {
    const peers = need(input)
    let ourNext = 501
    let theirNext = 1
    /** Rampart: log `perRound` fresh seeded users in and create an (unvalidated) TOTP secret for each. */
    const ourRequests = () =>
      pool(Array.from({ length: perRound }, () => ourNext++), 4, async (n) => {
        const { authorization, secret } = await ourUnvalidatedTotp(peers, n)
        return {
          path: "/auth/otp/code",
          headers: { authorization, "content-type": "application/json", "x-otp": "{{code}}" },
          body: JSON.stringify({ channel: "TOTP" }),
          secret
        }
      })
    /** better-auth: sign `perRound` fresh users up and enable 2FA for each (an unverified TOTP secret). */
    const theirRequests = () =>
      pool(Array.from({ length: perRound }, () => theirNext++), 4, async (n) => {
        const { cookie, origin, secret } = await theirUnverifiedTotp(peers, `totp${n}@bench.test`)
        return {
          path: "/api/auth/two-factor/verify-totp",
          headers: { cookie, origin, "content-type": "application/json" },
          body: JSON.stringify({ code: "{{code}}" }),
          secret
        }
      })
    const { rounds } = await totpRoundTrips(peers, "peer-totp", ourRequests, theirRequests)
    log(`peer-totp: ${ourNext - 501} Rampart and ${theirNext - 1} better-auth enrolments verified`)
    return measured(
      "ms p50",
      { op: "<=", value: 0.5 },
      rounds,
      `one TOTP enrolment verification at a time over a keep-alive connection, ${perRound} fresh users per side and round (a code is single use), ${timedRounds} rounds after ${warmUpRounds} untimed ones, each round's client warmed by ${clientWarmUp} GETs of the health route, code from Rampart's totpAt just before sending: Rampart POST /auth/otp/code {channel: TOTP} + x-otp vs better-auth POST /api/auth/two-factor/verify-totp {code} with its session cookie`,
      { perRound }
    )
  }
}

/** The peer-stepup item. */
export const peerStepUp: BenchItem<Peers | undefined> = {
  name: "peer-stepup",
  run: async (input) => {
    const peers = need(input)
    // Seeded users 501-660 are peer-totp's (8 rounds of 20); these are 701-860.
    let ourNext = 701
    let theirNext = 1
    /** Rampart: `perRound` fresh seeded users with a validated TOTP secret (enrolled with the previous step's code). */
    const ourRequests = () =>
      pool(Array.from({ length: perRound }, () => ourNext++), 4, async (n) => {
        const { authorization, secret } = await ourUnvalidatedTotp(peers, n)
        await postJson(`${peers.ours.url}/auth/otp/code`, { channel: "TOTP" }, {
          authorization,
          "x-otp": previousStepCode(secret)
        })
        return { path: "/auth/otp/verify", headers: { authorization, "x-otp": "{{code}}" }, body: "", secret }
      })
    /** better-auth: `perRound` fresh users with 2FA enabled and their TOTP verified (the previous step's code), with the session cookie that verification set. */
    const theirRequests = () =>
      pool(Array.from({ length: perRound }, () => theirNext++), 4, async (n) => {
        const { cookie, origin, secret } = await theirUnverifiedTotp(peers, `stepup${n}@bench.test`)
        const verified = await postJson(`${peers.theirs.url}/api/auth/two-factor/verify-totp`, {
          code: previousStepCode(secret)
        }, { cookie, origin })
        if (verified.cookie === undefined) throw new Error("better-auth's TOTP enrolment set no new session cookie")
        return {
          path: "/api/auth/two-factor/verify-totp",
          headers: { cookie: verified.cookie, origin, "content-type": "application/json" },
          body: JSON.stringify({ code: "{{code}}" }),
          secret
        }
      })
    const { rounds } = await totpRoundTrips(peers, "peer-stepup", ourRequests, theirRequests)
    log(`peer-stepup: ${ourNext - 701} Rampart and ${theirNext - 1} better-auth step-ups verified`)
    return measured(
      "ms p50",
      { op: "<=", value: 0.5 },
      rounds,
      `one step-up with a current TOTP code at a time over a keep-alive connection, ${perRound} enrolled users per side and round (each enrolled just before with the previous step's code; a code is single use), ${timedRounds} rounds after ${warmUpRounds} untimed ones, each round's client warmed by ${clientWarmUp} GETs of the health route, code from Rampart's totpAt just before sending: Rampart POST /auth/otp/verify + x-otp (idToken) vs better-auth POST /api/auth/two-factor/verify-totp {code} with its session cookie`,
      { perRound }
    )
  }
}

/** The items that run on the peer servers of `preparePeers`. */
export const onPeers = [peerLogin, peerSession, peerTotp, peerStepUp] as const

/** Whether any item on the peer servers runs this time. */
export const peersWanted = (): boolean => onPeers.some((item) => wanted(item.name))
