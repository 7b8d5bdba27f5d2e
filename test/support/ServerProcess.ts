/**
 * The server (dist/Server/main.js, built by the suite's global set-up, or another program such as
 * an installed package's) as a child process on a free port, a fresh state directory and SQLite
 * store, with none of the `RAMPART_*` / `OTEL_*` variables of the test's own environment: for tests
 * that read what it prints or what it exports.
 */
import { spawn } from "node:child_process"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { freePort } from "./Ports.js"

/** A running server process. */
export interface ServerProcess {
  readonly url: string
  /** Its process id. */
  readonly pid: number
  /** Its state directory (`RAMPART_STATE_DIR`), which also holds its SQLite store. */
  readonly state: string
  /** Everything it wrote to stdout so far. */
  readonly stdout: () => string
  /** Everything it wrote to stderr so far. */
  readonly stderr: () => string
  /** Sends SIGTERM and resolves with the exit code. */
  readonly stop: () => Promise<number | null>
}

/** What to run instead of `node [nodeArgs] dist/Server/main.js` in the repository. */
export interface ServerProgram {
  /** The program and its arguments, given the port it is to listen on (also in `RAMPART_PORT`). */
  readonly command: (port: number) => readonly [string, ...Array<string>]
  /** Its working directory. */
  readonly cwd: string
}

/**
 * Starts the server with `env` over the defaults (and `nodeArgs` before the script, or `program`
 * instead of it); resolves once `/health` answers 200, fails if it exits first.
 */
export const startServerProcess = async (
  env: Record<string, string>,
  nodeArgs: ReadonlyArray<string> = [],
  program?: ServerProgram
): Promise<ServerProcess> => {
  const port = await freePort()
  const state = mkdtempSync(join(tmpdir(), "rampart-process-"))
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(RAMPART_|OTEL_)/.test(name)))
  const [file, ...args] = program?.command(port) ?? [process.execPath, ...nodeArgs, "dist/Server/main.js"]
  const child = spawn(file, args, {
    ...(program === undefined ? {} : { cwd: program.cwd }),
    env: {
      ...inherited,
      RAMPART_PORT: String(port),
      RAMPART_STATE_DIR: state,
      RAMPART_DATABASE_URL: `sqlite:${join(state, "r.db")}`,
      ...env
    },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let stdout = ""
  let stderr = ""
  child.stdout.on("data", (chunk) => (stdout += chunk))
  child.stderr.on("data", (chunk) => (stderr += chunk))
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
  const url = `http://127.0.0.1:${port}`
  for (let i = 0;; i++) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}):\n${stdout}\n${stderr}`)
    const ready = await fetch(`${url}/health`).then((r) => r.status === 200, () => false)
    if (ready) break
    if (i > 240) throw new Error(`the server did not answer /health:\n${stdout}\n${stderr}`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  return {
    url,
    pid: child.pid!,
    state,
    stdout: () => stdout,
    stderr: () => stderr,
    stop: () => {
      child.kill("SIGTERM")
      return exited
    }
  }
}
