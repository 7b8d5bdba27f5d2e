/**
 * Servers of a benchmark run: Rampart (the server program `npm start` runs, configured from the
 * environment in production mode) and baselines, each in its own process on its own port, stopped
 * at the end of the run.
 */
import { tmpdir } from "node:os"
import { join } from "node:path"
import { buildIfStale } from "../../scripts/build.mjs"
import { onCleanup } from "./Cleanups.js"
import { type Child, startNode, waitReady } from "./Processes.js"
import type { BenchKeys, BenchStore } from "./Store.js"

let nextPort = 18400 + Math.floor(Math.random() * 500) * 4

/** A port no other server of this run listens on. */
export const port = (): number => nextPort++

/** Environment of a Rampart server on `store` with `keys` (production mode: no sandbox routes). */
export const rampartEnv = (store: BenchStore, keys: BenchKeys, listen: number): Record<string, string> => ({
  RAMPART_HOST: "127.0.0.1",
  RAMPART_PORT: String(listen),
  RAMPART_DATABASE_URL: store.url,
  RAMPART_MODE: "production",
  RAMPART_SECRET_KEY: keys.secretKey,
  RAMPART_SIGNING_KEY: keys.signingKey,
  // Required in production; no benchmarked endpoint sends a code.
  RAMPART_OTP_WEBHOOK_URL: "http://127.0.0.1:9/unused",
  RAMPART_STATE_DIR: join(tmpdir(), "rampart-bench-state"),
  // No request line, as the baselines write none; the request-logs item measures the line's cost.
  RAMPART_LOG_FORMAT: process.env["RAMPART_LOG_FORMAT"] ?? "off"
})

/** A running server and its base URL. */
export interface Server {
  readonly child: Child
  readonly url: string
}

/** How `startServer` starts and waits. */
export interface StartOptions {
  /** The path answering 200 once the server is ready (default `/health`). */
  readonly readyPath?: string
  /** Whether the script is TypeScript run through tsx (default), or JavaScript run by plain node. */
  readonly loader?: boolean
}

/** Starts `script` listening on `listen` (pinned to `core`), waits for a 200 on its ready path; stopped at the end of the run. */
export const startServer = async (
  script: string,
  env: Record<string, string>,
  listen: number,
  core?: string,
  { loader = true, readyPath = "/health" }: StartOptions = {}
): Promise<Server> => {
  const child = startNode(script, env, core, [], loader)
  onCleanup(child.stop)
  const url = `http://127.0.0.1:${listen}`
  await waitReady(child, `${url}${readyPath}`)
  return { child, url }
}

/**
 * Rampart's server program as the package ships it: what `npm start` runs (the esbuild bundle of
 * scripts/build.mjs), by plain node. Run from source through tsx instead (bench/serve.ts), a
 * refresh took about 6 % more CPU: every function Rampart creates then also goes through
 * esbuild's `__name` helper (docs/benchmarks.md, "Measuring what ships").
 */
export const rampartProgram = "dist/bundle/server.js"

let built: Promise<void> | undefined
/** Builds dist/ when a source is newer than it (once per run). */
export const buildOnce = (): Promise<void> => (built ??= buildIfStale())

/** Starts Rampart's shipped server program with `env`, listening on `listen` (the port `env` names), pinned to `core`. */
export const startRampartProgram = async (
  env: Record<string, string>,
  listen: number,
  core?: string
): Promise<Server> => {
  await buildOnce()
  return startServer(rampartProgram, env, listen, core, { loader: false })
}

/** Starts Rampart's shipped server program on `store` with `keys`, pinned to `core`, with `env` over `rampartEnv`. */
export const startRampart = (
  store: BenchStore,
  keys: BenchKeys,
  core?: string,
  env: Record<string, string> = {}
): Promise<Server> => {
  const listen = port()
  return startRampartProgram({ ...rampartEnv(store, keys, listen), ...env }, listen, core)
}
