/**
 * Runs the `rampart` CLI in-process (the real parser and commands) and captures its console; runs
 * the real executable, and other programs, as child processes without blocking the event loop.
 */
import { NodeContext } from "@effect/platform-node"
import { ConfigProvider, Console, Effect, Exit } from "effect"
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { rampartMain } from "../../src/Cli/Rampart.js"

/** What one run of `rampart` printed. */
export interface CliRun {
  readonly ok: boolean
  readonly stdout: ReadonlyArray<string>
  readonly stderr: ReadonlyArray<string>
}

/** Runs `rampart ...args`; with `env`, that map is the whole environment the commands see. */
export const runInProcess = (args: ReadonlyArray<string>, env?: Record<string, string>): Promise<CliRun> => {
  const stdout: Array<string> = []
  const stderr: Array<string> = []
  const line = (parts: ReadonlyArray<unknown>) => parts.map(String).join(" ")
  const run = rampartMain(["node", "rampart", ...args])
  return Effect.runPromise(
    Effect.flatMap(
      Effect.console,
      (base) =>
        (env === undefined ? run : Effect.withConfigProvider(run, ConfigProvider.fromMap(new Map(Object.entries(env)))))
          .pipe(
            Console.withConsole({
              ...base,
              log: (...parts: ReadonlyArray<unknown>) => Effect.sync(() => void stdout.push(line(parts))),
              error: (...parts: ReadonlyArray<unknown>) => Effect.sync(() => void stderr.push(line(parts)))
            }),
            Effect.provide(NodeContext.layer),
            Effect.exit,
            Effect.map((exit) => ({ ok: Exit.isSuccess(exit), stdout, stderr }))
          )
    )
  )
}

/** How a child process ended. */
export interface ProcessRun {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs `file args` asynchronously — a synchronous spawn would stall the test worker's event loop
 * (and vitest's own messages with it) — with `env` as its whole environment, `input` on stdin and
 * `cwd` as its directory; killed after `timeoutMs` (60 s by default).
 */
export const runProcess = (
  file: string,
  args: ReadonlyArray<string>,
  options: {
    readonly env?: NodeJS.ProcessEnv
    readonly input?: string
    readonly cwd?: string
    readonly timeoutMs?: number
  } = {}
): Promise<ProcessRun> =>
  new Promise((resolve, reject) => {
    const input = options.input
    const child = spawn(file, [...args], {
      env: options.env ?? process.env,
      stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      timeout: options.timeoutMs ?? 60_000,
      ...(options.cwd === undefined ? {} : { cwd: options.cwd })
    })
    let stdout = ""
    let stderr = ""
    child.stdout!.on("data", (chunk) => (stdout += chunk))
    child.stderr!.on("data", (chunk) => (stderr += chunk))
    child.on("error", reject)
    child.on("close", (status) => resolve({ status, stdout, stderr }))
    if (input !== undefined) {
      // A program may exit before reading all of it (oathtool reads one line): that is not an error.
      child.stdin!.on("error", () => undefined)
      child.stdin!.end(input)
    }
  })

/** The real `rampart` executable. */
export const rampartBin = fileURLToPath(new URL("../../bin/rampart.mjs", import.meta.url))

/** Runs the real executable with `args`; of the inherited environment only non-`RAMPART_*` variables, plus `env`. */
export const runBinary = (
  args: ReadonlyArray<string>,
  options: { readonly env?: Record<string, string>; readonly input?: string } = {}
): Promise<ProcessRun> => {
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("RAMPART_")))
  return runProcess(rampartBin, args, {
    env: { ...base, ...options.env },
    ...(options.input === undefined ? {} : { input: options.input })
  })
}
