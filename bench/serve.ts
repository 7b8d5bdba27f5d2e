/**
 * A Rampart server run from source (through tsx) for the experiments in bench/experiments/ that
 * compare transports and variants: the server of src/Server/Server.ts configured from `RAMPART_*`
 * variables as `npm start` is (`RAMPART_HTTP=fast|platform`, `RAMPART_TRACING`), without the
 * sandbox demo seeding. `npm run bench` runs the shipped program instead (bench/lib/Servers.ts).
 */
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { layerServerConfigFromEnv } from "../src/Server/Config.js"
import { makeServer } from "../src/Server/Server.js"

Layer.launch(makeServer({ config: layerServerConfigFromEnv, listen: "configured", demo: false })).pipe(
  Effect.tapErrorCause((cause) => Effect.logError("bench server failed to start", cause)),
  NodeRuntime.runMain({ disableErrorReporting: true })
)
