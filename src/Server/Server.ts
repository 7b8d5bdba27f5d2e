/**
 * The one composition of the server: the routes on a transport, the domain services, the
 * configuration and, where asked, the sandbox demo seeding. `npm start` (`main.ts`), `rampart
 * serve`, the in-process server (`InProcess.ts`) and the benchmarks (`bench/serve.ts`) differ only
 * in the options they pass.
 */
import * as HttpServer from "@effect/platform/HttpServer"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import { ServerConfig } from "./Config.js"
import { layerRoutes } from "./Http/Routes.js"
import { layerDrainOnClose, layerHttpServer, withTracing } from "./Http/Transport/Transport.js"
import { layerDomain } from "./Layers.js"
import { layerOtlpTracer } from "./OtlpTracing.js"
import { layerSandboxSeed, layerSeedAtStart } from "./Sandbox/SeedPlan.js"
import { describeStartFailure } from "./StartFailure.js"

/** `configured`: the host and port of `ServerConfig`, address logged; `loopback-free-port`: 127.0.0.1 on a port the system picks. */
export type ServerListen = "configured" | "loopback-free-port"

/** What an entry point chooses about its server. */
export interface ServerOptions<E, R> {
  /** Where `ServerConfig` comes from: the environment, the CLI's flags over it, explicit settings. */
  readonly config: Layer.Layer<ServerConfig, E, R>
  /** Where the server listens. */
  readonly listen: ServerListen
  /** Whether the sandbox demo accounts are the seed, created and printed, when no `RAMPART_SEED` file is set (sandbox mode only). */
  readonly demo: boolean
}

/**
 * The routes on the configured transport, listening where `listen` says, with the tracer on or off
 * as configured: on with `RAMPART_TRACING` (a tracer the embedding program installs) or an OTLP
 * endpoint (then exported, and flushed after the server stopped).
 */
const layerListening = (listen: ServerListen) =>
  Layer.unwrapEffect(
    Effect.map(ServerConfig, (config) => {
      const address = listen === "configured"
        ? { port: config.port, host: config.host }
        : { port: 0, host: "127.0.0.1" }
      const routes = listen === "configured" ? HttpServer.withLogAddress(layerRoutes) : layerRoutes
      const served = withTracing(
        layerDrainOnClose(config.shutdownTimeout).pipe(
          Layer.provideMerge(routes),
          Layer.provideMerge(layerHttpServer(config.http, address, config.connectionLimits))
        ),
        config.tracing || Option.isSome(config.otlp)
      )
      return Option.match(config.otlp, {
        onNone: () => served,
        onSome: (otlp) => served.pipe(Layer.provide(layerOtlpTracer(otlp)))
      })
    })
  )

/** The server over `ServerConfig` from the context: listening, the domain services and, if asked, the demo seeding. */
const layerServed = (listen: ServerListen, demo: boolean) =>
  Layer.merge(layerListening(listen), layerSeedAtStart).pipe(
    Layer.provideMerge(layerSandboxSeed(demo)),
    Layer.provideMerge(layerDomain)
  )

/** The whole server as the options say; provides its `HttpServer`, the domain services and `ServerConfig`. */
export const makeServer = <E, R>(options: ServerOptions<E, R>) =>
  layerServed(options.listen, options.demo).pipe(Layer.provideMerge(options.config))

/** The whole server over `ServerConfig`, listening on its host and port, on the configured transport (no demo seeding). */
export const layerServer = layerServed("configured", false)

/** Why the server did not start, as the one line its entry point prints. */
export class ServerDidNotStart extends Data.TaggedError("ServerDidNotStart")<{ readonly message: string }> {}

/**
 * Runs the server until interrupted (SIGINT / SIGTERM). A failure to start (bad configuration,
 * missing production key or driver, unreachable store, port in use) is one line; defects are logged whole.
 */
export const launchServer = <E, R>(options: ServerOptions<E, R>): Effect.Effect<never, ServerDidNotStart, R> =>
  Layer.launch(makeServer(options)).pipe(
    Effect.tapDefect((cause) => Effect.logError("Rampart failed to start", cause)),
    Logger.withMinimumLogLevel(LogLevel.Info),
    Effect.mapError((error) =>
      new ServerDidNotStart({ message: `the server did not start: ${describeStartFailure(error)}` })
    )
  )
