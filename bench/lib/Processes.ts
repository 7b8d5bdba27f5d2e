/**
 * Child processes of the benchmarks: servers and load generators, pinned to cores with `taskset`
 * when the machine has at least two and `taskset` exists (server on one core, load on another).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { availableParallelism } from "node:os"
import { dirname, join, resolve as resolvePath } from "node:path"
import { fileURLToPath } from "node:url"

/** The repository root. */
export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..")

const hasTaskset = (() => {
  try {
    execFileSync("taskset", ["-p", String(process.pid)], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
})()

/** Whether processes are pinned (two or more cores and `taskset` available). */
export const pinning = hasTaskset && availableParallelism() >= 2

/** The core servers run on, and the core load generators run on. */
export const cores = { server: "0", load: String(Math.min(1, availableParallelism() - 1)) } as const

/** The command line for `node` with the tsx loader and `args`, pinned to `core` when pinning. */
export const nodeCommand = (args: ReadonlyArray<string>, core?: string, loader = true): [string, Array<string>] => {
  const node = [process.execPath, ...(loader ? ["--import", "tsx"] : []), ...args]
  return pinning && core !== undefined ? ["taskset", ["-c", core, ...node]] : [node[0]!, node.slice(1)]
}

/** A running child process. */
export interface Child {
  readonly process: ChildProcess
  readonly output: () => string
  readonly stop: () => Promise<void>
}

/**
 * Starts `node --import tsx <script>` (relative to the repository, or absolute) with extra
 * environment, pinned to `core` when pinning; `loader: false` runs compiled JavaScript with plain node.
 */
export const startNode = (
  script: string,
  env: Record<string, string>,
  core?: string,
  nodeArgs: ReadonlyArray<string> = [],
  loader = true
): Child => {
  const [command, args] = nodeCommand([...nodeArgs, resolvePath(root, script)], core, loader)
  const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] })
  let output = ""
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000)
  }
  child.stdout!.on("data", keep)
  child.stderr!.on("data", keep)
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
  return {
    process: child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM")
        const timer = setTimeout(() => child.kill("SIGKILL"), 5000)
        await exited
        clearTimeout(timer)
      }
    }
  }
}

/** Waits until `GET url` answers 200 (or the child exits, or `timeoutMs` passes). */
export const waitReady = async (child: Child, url: string, timeoutMs = 60_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null) {
      throw new Error(`server exited (${child.process.exitCode}):\n${child.output()}`)
    }
    try {
      const response = await fetch(url)
      if (response.status === 200) return
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`server at ${url} not ready after ${timeoutMs} ms:\n${child.output()}`)
}

/** Runs `node --import tsx <script> args`, pinned to `core`; resolves with its stdout (rejects on failure). */
export const runNode = (
  script: string,
  args: ReadonlyArray<string>,
  core?: string,
  env: Record<string, string> = {}
): Promise<string> =>
  new Promise((resolve, reject) => {
    const [command, argv] = nodeCommand([resolvePath(root, script), ...args], core)
    const child = spawn(command, argv, {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()))
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()))
    child.once(
      "exit",
      (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${script} exited ${code}: ${stderr}`)))
    )
  })

/** Runs a plain command (e.g. the autocannon CLI), pinned to `core`; resolves with stdout. */
export const runCommand = (file: string, args: ReadonlyArray<string>, core?: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const [command, argv] = pinning && core !== undefined ? ["taskset", ["-c", core, file, ...args]] : [file, [...args]]
    const child = spawn(command, argv, { cwd: root, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()))
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()))
    child.once(
      "exit",
      (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${file} exited ${code}: ${stderr}`)))
    )
  })

/** Wall time in milliseconds of one run of `file args` (pinned to `core`), from spawn to exit; rejects unless it exits 0. */
export const wallTimeMs = (file: string, args: ReadonlyArray<string>, core?: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const [command, argv] = pinning && core !== undefined ? ["taskset", ["-c", core, file, ...args]] : [file, [...args]]
    const started = process.hrtime.bigint()
    const child = spawn(command, argv, { cwd: root, stdio: ["ignore", "ignore", "pipe"] })
    let stderr = ""
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()))
    child.once(
      "exit",
      (code) =>
        code === 0
          ? resolve(Number(process.hrtime.bigint() - started) / 1e6)
          : reject(new Error(`${file} ${args.join(" ")} exited ${code}: ${stderr}`))
    )
  })

/** CPU seconds (user + system, all threads) a process has used so far, from /proc; NaN where unavailable. */
export const cpuSeconds = (pid: number | undefined): number => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return Number.NaN
  }
}

/** A long-lived worker process that answers one JSON line per JSON line it is sent. */
export interface Worker {
  readonly ask: <A>(job: unknown) => Promise<A>
  readonly stop: () => Promise<void>
}

/** Starts `script` as a line-protocol worker, pinned to `core` when pinning. */
export const startWorker = (script: string, core?: string): Worker => {
  const [command, argv] = nodeCommand([resolvePath(root, script)], core)
  const child = spawn(command, argv, { cwd: root, stdio: ["pipe", "pipe", "pipe"] })
  let stderr = ""
  child.stderr!.on("data", (c: Buffer) => (stderr = (stderr + c.toString()).slice(-5000)))
  const waiting: Array<{ resolve: (line: string) => void; reject: (error: Error) => void }> = []
  let buffer = ""
  child.stdout!.on("data", (chunk: Buffer) => {
    buffer += chunk.toString()
    let newline: number
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, newline)
      buffer = buffer.slice(newline + 1)
      waiting.shift()?.resolve(line)
    }
  })
  child.once("exit", (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`${script} exited ${code}: ${stderr}`))
  })
  return {
    ask: <A>(job: unknown) =>
      new Promise<A>((resolve, reject) => {
        waiting.push({
          resolve: (line) => {
            const answer = JSON.parse(line) as A & { error?: string }
            if (typeof answer.error === "string") reject(new Error(answer.error))
            else resolve(answer)
          },
          reject
        })
        child.stdin!.write(JSON.stringify(job) + "\n")
      }),
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve))
        child.stdin!.end()
        await exited
      }
    }
  }
}

/** Cumulative CPU ticks of the whole machine from /proc/stat (undefined where unavailable). */
export const machineTicks = (): { busy: number; steal: number; total: number } | undefined => {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(
      Number
    ) as Array<number>
    const busy = user! + nice! + system! + irq! + softirq!
    return { busy, steal: steal!, total: busy + idle! + iowait! + steal! }
  } catch {
    return undefined
  }
}

/** Share of the machine's CPU that was busy, and that the hypervisor stole, between two readings. */
export const machineUse = (
  before: ReturnType<typeof machineTicks>,
  after: ReturnType<typeof machineTicks>
): { busy: number; steal: number } | undefined =>
  before === undefined || after === undefined || after.total === before.total
    ? undefined
    : {
      busy: (after.busy - before.busy) / (after.total - before.total),
      steal: (after.steal - before.steal) / (after.total - before.total)
    }

/** VmRSS of `pid` in MiB, from /proc; NaN where unavailable. */
export const rssMiB = (pid: number | undefined): number => {
  try {
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]
    return kb === undefined ? Number.NaN : Number(kb) / 1024
  } catch {
    return Number.NaN
  }
}
