/**
 * `rampart serve [--host H] [--port P] [--database-url URL] [--mode sandbox|production]`: the
 * reference server, as `npm start` runs it; each flag overrides its environment variable
 * (`RAMPART_HOST`, `RAMPART_PORT`, `RAMPART_DATABASE_URL`, `RAMPART_MODE`), and the flag's value
 * goes through the same `Config` validation as the variable's.
 */
import { Command, Options } from "@effect/cli"
import { ConfigProvider, Effect, Layer, Logger, LogLevel, Option } from "effect"
import { serverSettings, ServerConfig } from "../Server/Config.js"
import { seedAndPrintDemo } from "../Server/Demo.js"
import { layerServer } from "../Server/Http.js"
import { layerServices } from "../Server/Layers.js"
import { CliError } from "./CliError.js"

/** The flags of `rampart serve`; `None` leaves the environment (or its default) in charge. */
export interface ServeFlags {
  readonly host: Option.Option<string>
  readonly port: Option.Option<number>
  readonly databaseUrl: Option.Option<string>
  readonly mode: Option.Option<"sandbox" | "production">
}

/** The environment variable each flag stands for. */
const flagVariables = (flags: ServeFlags): ReadonlyArray<readonly [string, Option.Option<string>]> => [
  ["RAMPART_HOST", flags.host],
  ["RAMPART_PORT", Option.map(flags.port, String)],
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

/** Seeds and prints the sandbox demo accounts once the services are up (as `src/Server/main.ts`). */
const layerDemo = Layer.effectDiscard(
  Effect.flatMap(ServerConfig, (config) => (config.mode === "sandbox" ? seedAndPrintDemo : Effect.void))
).pipe(Layer.provide(layerServices))

/** Runs the server until interrupted (SIGINT / SIGTERM); a start-up failure is logged, then fails. */
export const serve = (flags: ServeFlags): Effect.Effect<never, CliError> =>
  Layer.launch(Layer.mergeAll(layerServer, layerDemo).pipe(Layer.provide(layerServeConfig(flags)))).pipe(
    Effect.tapErrorCause((cause) => Effect.logError("Rampart failed to start", cause)),
    Logger.withMinimumLogLevel(LogLevel.Info),
    Effect.mapError(() => new CliError({ message: "the server did not start (see the log above)" }))
  )

const validPort = (port: number) => Number.isSafeInteger(port) && port >= 0 && port <= 65535

/** `rampart serve`. */
export const serveCommand = Command.make(
  "serve",
  {
    host: Options.text("host").pipe(Options.optional, Options.withDescription("Address to listen on (RAMPART_HOST; default 127.0.0.1)")),
    port: Options.integer("port").pipe(Options.optional, Options.withDescription("Port to listen on (RAMPART_PORT; default 8080; 0 picks a free one)")),
    databaseUrl: Options.text("database-url").pipe(
      Options.optional,
      Options.withDescription("sqlite:<file> or postgres://... (RAMPART_DATABASE_URL; default sqlite:.rampart/rampart.db)")
    ),
    mode: Options.choice("mode", ["sandbox", "production"]).pipe(
      Options.optional,
      Options.withDescription("sandbox (demo accounts, /sandbox routes, generated keys) or production (RAMPART_MODE; default sandbox)")
    )
  },
  (flags) =>
    Option.exists(flags.port, (port) => !validPort(port))
      ? new CliError({ message: "--port must be a whole number from 0 to 65535" })
      : serve(flags)
).pipe(Command.withDescription("Run the Rampart reference server (the same server as `npm start`)"))
