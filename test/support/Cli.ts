/** Runs the `rampart` CLI in-process (the real parser and commands) and captures its console. */
import { NodeContext } from "@effect/platform-node"
import { ConfigProvider, Console, Effect, Exit } from "effect"
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
    Effect.flatMap(Effect.console, (base) =>
      (env === undefined ? run : Effect.withConfigProvider(run, ConfigProvider.fromMap(new Map(Object.entries(env))))).pipe(
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
