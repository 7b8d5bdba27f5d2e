/**
 * A PostgreSQL cluster of a test's own (Debian's binaries, run as the `postgres` user by
 * `scripts/postgres-start.sh`), for probes that stop or freeze the database: they must never touch
 * the suite's shared server. Available when running as root with PostgreSQL installed (as `.ci/run` does).
 */
import { execFileSync } from "node:child_process"
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { freePort } from "./Ports.js"

/** The newest installed PostgreSQL's `bin` directory, if any. */
const binDirectory = (): string | undefined => {
  if (!existsSync("/usr/lib/postgresql")) return undefined
  const versions = readdirSync("/usr/lib/postgresql").filter((v) => existsSync(`/usr/lib/postgresql/${v}/bin/initdb`))
  return versions.length === 0 ? undefined : `/usr/lib/postgresql/${versions.sort().at(-1)}/bin`
}

/** Why a private cluster cannot run here, or undefined when it can. */
export const privatePostgresUnavailable = (): string | undefined =>
  process.getuid?.() !== 0
    ? "needs root (to run PostgreSQL as the postgres user)"
    : binDirectory() === undefined
    ? "PostgreSQL is not installed"
    : undefined

/** A running private cluster: its URL and the operator's controls. */
export interface PrivatePostgres {
  readonly url: string
  /** SIGSTOP to the postmaster and every backend: the database hangs without closing a connection. */
  readonly freeze: () => void
  /** SIGCONT to the same processes. */
  readonly thaw: () => void
  /** A fast shutdown (connections closed). */
  readonly stop: () => void
  /** Starts it again on the same port and data (`scripts/postgres-start.sh` does). */
  readonly start: () => void
  /** Stops it for good and removes its data. */
  readonly remove: () => void
}

/** Starts a private cluster on a free port. */
export const startPrivatePostgres = async (): Promise<PrivatePostgres> => {
  const port = await freePort()
  const url = execFileSync("scripts/postgres-start.sh", [String(port)], { encoding: "utf8" }).trim()
  const dir = `/tmp/rampart-pg-${port}`
  const pgCtl = (...args: Array<string>) =>
    execFileSync("runuser", ["-u", "postgres", "--", `${binDirectory()}/pg_ctl`, "-D", dir, ...args], {
      stdio: "ignore"
    })
  const processes = (): Array<string> => {
    const postmaster = readFileSync(`${dir}/postmaster.pid`, "utf8").split("\n")[0]!.trim()
    const children = execFileSync("pgrep", ["-P", postmaster], { encoding: "utf8" }).split("\n").filter(Boolean)
    return [postmaster, ...children]
  }
  let frozen: Array<string> = []
  return {
    url,
    freeze: () => {
      frozen = processes()
      execFileSync("kill", ["-STOP", ...frozen])
    },
    thaw: () => {
      execFileSync("kill", ["-CONT", ...frozen])
      frozen = []
    },
    stop: () => pgCtl("stop", "-m", "fast", "-w"),
    start: () => {
      execFileSync("scripts/postgres-start.sh", [String(port)], { stdio: "ignore" })
    },
    remove: () => {
      if (frozen.length > 0) execFileSync("kill", ["-CONT", ...frozen])
      try {
        pgCtl("stop", "-m", "immediate", "-w")
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
