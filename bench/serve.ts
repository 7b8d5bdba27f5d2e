/**
 * A Rampart server in its own process for the benchmarks (so it can be pinned to a core and run
 * twice on one PostgreSQL): `layerServer` from src/Server/Http.ts configured from `RAMPART_*`
 * variables as `npm start` is (`RAMPART_HTTP=fast|platform`, `RAMPART_TRACING`), without the
 * sandbox demo seeding.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { layerServerConfigFromEnv } from "../src/Server/Config.js"
import { layerServer } from "../src/Server/Http.js"

Layer.launch(layerServer.pipe(Layer.provide(layerServerConfigFromEnv))).pipe(
  Effect.tapErrorCause((cause) => Effect.logError("bench server failed to start", cause)),
  NodeRuntime.runMain({ disableErrorReporting: true })
)
