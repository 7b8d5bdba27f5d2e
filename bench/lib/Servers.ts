/**
 * Servers of a benchmark run: Rampart (bench/serve.ts, configured like `npm start` in production
 * mode) and baselines, each in its own process on its own port, stopped at the end of the run.
 */
import { tmpdir } from "node:os"
import { join } from "node:path"
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

/** Starts `script` listening on `listen` (pinned to `core`), waits for a 200 on `readyPath` (/health); stopped at the end of the run. */
export const startServer = async (
  script: string,
  env: Record<string, string>,
  listen: number,
  core?: string,
  readyPath = "/health"
): Promise<Server> => {
  const child = startNode(script, env, core)
  onCleanup(child.stop)
  const url = `http://127.0.0.1:${listen}`
  await waitReady(child, `${url}${readyPath}`)
  return { child, url }
}

/** Starts a Rampart server (bench/serve.ts) on `store` with `keys`, pinned to `core`, with `env` over `rampartEnv`. */
export const startRampart = (
  store: BenchStore,
  keys: BenchKeys,
  core?: string,
  env: Record<string, string> = {}
): Promise<Server> => {
  const listen = port()
  return startServer("bench/serve.ts", { ...rampartEnv(store, keys, listen), ...env }, listen, core)
}
