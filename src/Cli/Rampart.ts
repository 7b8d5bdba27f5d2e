/**
 * The `rampart` command line: `serve`, `totp`, `openapi`, `partner-login` and `keys`, each with `--help`,
 * plus `--version`. `rampartMain(argv)` runs it inside any Effect program (tests run it in-process);
 * `main.ts` runs it on Node.
 */
import { Command } from "@effect/cli"
import type { CliApp } from "@effect/cli"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { readFileSync } from "node:fs"
import { oneLine } from "../internal/OneLine.js"
import { CliError } from "./CliError.js"
import { keysCommand } from "./KeysCommand.js"
import { openApiCommand } from "./OpenApiCommand.js"
import { partnerLoginCommand } from "./PartnerLoginCommand.js"
import { serveCommand } from "./ServeCommand.js"
import { totpCommand } from "./TotpCommand.js"

/** The package version (`rampart --version`), read from the package.json next to `src/`. */
export const packageVersion: string = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { readonly version: string }
).version

/** `rampart` and its subcommands; without a subcommand it fails with a hint. */
export const rampartCommand = Command.make(
  "rampart",
  {},
  () => new CliError({ message: "missing command: serve, totp, openapi, partner-login or keys (see rampart --help)" })
).pipe(
  Command.withDescription(
    "Rampart: reference server, TOTP codes, OpenAPI document, partner login and production keys for the Criptan and KriptoAPI auth flows"
  ),
  Command.withSubcommands([serveCommand, totpCommand, openApiCommand, partnerLoginCommand, keysCommand])
)

/** Runs `rampart` over a full `process.argv`-style array (`[node, script, ...args]`). */
export const runRampart = Command.run(rampartCommand, { name: "rampart", version: packageVersion })

/** ANSI escape sequences (@effect/cli styles some of its messages). */
// eslint-disable-next-line no-control-regex -- ESC starts the sequence
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g

/**
 * The current console with `error` reduced to `rampart: <one line>` (@effect/cli's argument errors
 * go through it too) and `log` ending each message with exactly one newline (@effect/cli's
 * `--version` and help add a blank line of their own).
 */
const oneLineErrors = Effect.map(Effect.console, (console): Console.Console => ({
  ...console,
  log: (...args) => console.log(args.map(String).join(" ").replace(/\n+$/, "")),
  error: (...args) => console.error(`rampart: ${oneLine(args.map(String).join(" ").replace(ANSI, ""))}`)
}))

/**
 * Runs `rampart` over `argv` (`[node, script, ...args]`): output on the current `Console`, every
 * error as one `rampart: <message>` line on its `error`; fails (exit code 1 in `main.ts`) on any error.
 */
export const rampartMain = (argv: ReadonlyArray<string>): Effect.Effect<void, unknown, CliApp.CliApp.Environment> =>
  Effect.flatMap(oneLineErrors, (console) =>
    runRampart(argv).pipe(
      Effect.tapErrorTag("CliError", (error) => Console.error(error.message)),
      Console.withConsole(console)
    ))
