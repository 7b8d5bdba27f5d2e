/**
 * What `rampart serve` runs: the reference server as `src/Server/main.ts` launches it (the same
 * `launchServer`, with the sandbox demo seeding), over `ServerConfig` read from the environment with
 * the command's flags laid over it. Loaded only when `serve` runs, so the other commands start faster.
 */
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { ServerConfig, serverSettings } from "../Server/Config.js"
import { launchServer } from "../Server/Server.js"
import { CliError } from "./CliError.js"

/** The flags of `rampart serve`; `None` leaves the environment (or its default) in charge. */
export interface ServeFlags {
  readonly host: Option.Option<string>
  readonly port: Option.Option<string>
  readonly databaseUrl: Option.Option<string>
  readonly mode: Option.Option<"sandbox" | "production">
}

/** The environment variable each flag stands for. */
const flagVariables = (flags: ServeFlags): ReadonlyArray<readonly [string, Option.Option<string>]> => [
  ["RAMPART_HOST", flags.host],
  ["RAMPART_PORT", flags.port],
  ["RAMPART_DATABASE_URL", flags.databaseUrl],
  ["RAMPART_MODE", flags.mode]
]

/** The environment with the given flags laid over it. */
export const serveConfigProvider = (flags: ServeFlags): ConfigProvider.ConfigProvider => {
  const overrides = new Map<string, string>()
  for (const [name, value] of flagVariables(flags)) if (Option.isSome(value)) overrides.set(name, value.value)
  return ConfigProvider.fromMap(overrides).pipe(ConfigProvider.orElse(() => ConfigProvider.fromEnv()))
}

/** `ServerConfig` from the environment, overridden by the flags. */
export const layerServeConfig = (flags: ServeFlags) =>
  Layer.effect(ServerConfig, Effect.withConfigProvider(serverSettings, serveConfigProvider(flags)))

/**
 * Runs the server until interrupted (SIGINT / SIGTERM). A failure to start (bad configuration,
 * missing production key, unreachable store, port in use) is one `CliError`; defects are logged whole.
 */
export const serve = (flags: ServeFlags): Effect.Effect<never, CliError> =>
  launchServer({ config: layerServeConfig(flags), listen: "configured", demo: true }).pipe(
    Effect.mapError((failure) => new CliError({ message: failure.message }))
  )
