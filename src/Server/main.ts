/**
 * `npm start`: the reference server, configured from the environment (sandbox mode by default),
 * with the sandbox demo seeding, shut down cleanly on SIGTERM / SIGINT.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { layerServerConfigFromEnv } from "./Config.js"
import { launchServer } from "./Server.js"

launchServer({ config: layerServerConfigFromEnv, listen: "configured", demo: true }).pipe(
  // A user's mistake (configuration, missing key or driver, port in use) is one line; defects whole.
  Effect.tapError((failure) => Console.error(`rampart: ${failure.message}`)),
  NodeRuntime.runMain({ disableErrorReporting: true })
)
