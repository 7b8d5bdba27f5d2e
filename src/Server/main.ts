/**
 * `npm start`: the reference server, configured from the environment (sandbox mode by default),
 * shut down cleanly on SIGTERM / SIGINT.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect, Layer, Logger, LogLevel } from "effect"
import { layerServerConfigFromEnv, ServerConfig } from "./Config.js"
import { seedAndPrintDemo } from "./Demo.js"
import { layerServer } from "./Http.js"
import { layerServices } from "./Layers.js"
import { describeStartFailure } from "./StartFailure.js"

/** Seeds and prints the sandbox demo accounts once the services are up. */
const layerDemo = Layer.effectDiscard(
  Effect.flatMap(ServerConfig, (config) => (config.mode === "sandbox" ? seedAndPrintDemo : Effect.void))
).pipe(Layer.provide(layerServices))

/** The server with its demo seeding, over the environment's configuration. */
export const layerMain = Layer.mergeAll(layerServer, layerDemo).pipe(Layer.provide(layerServerConfigFromEnv))

Layer.launch(layerMain).pipe(
  // A user's mistake (configuration, missing key or driver, port in use) is one line; defects whole.
  Effect.tapError((error) => Console.error(`rampart: the server did not start: ${describeStartFailure(error)}`)),
  Effect.tapDefect((cause) => Effect.logError("Rampart failed to start", cause)),
  Logger.withMinimumLogLevel(LogLevel.Info),
  NodeRuntime.runMain({ disableErrorReporting: true })
)
