/**
 * A Rampart server in its own process for the benchmarks (so it can be pinned to a core and run
 * twice on one PostgreSQL): the server of src/Server/Server.ts configured from `RAMPART_*`
 * variables as `npm start` is (`RAMPART_HTTP=fast|platform`, `RAMPART_TRACING`), without the
 * sandbox demo seeding.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { layerServerConfigFromEnv } from "../src/Server/Config.js"
import { makeServer } from "../src/Server/Server.js"

Layer.launch(makeServer({ config: layerServerConfigFromEnv, listen: "configured", demo: false })).pipe(
  Effect.tapErrorCause((cause) => Effect.logError("bench server failed to start", cause)),
  NodeRuntime.runMain({ disableErrorReporting: true })
)
