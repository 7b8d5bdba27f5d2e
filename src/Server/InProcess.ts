/**
 * A complete Rampart server on a free loopback port, inside the current process: for tests,
 * recipes and integrators who want the sandbox without a separate process.
 */
import { HttpServer } from "@effect/platform"
import { Context, Effect, Layer } from "effect"
import { layerServerConfig, ServerConfig, type ServerSettings } from "./Config.js"
import { layerHttpServer, layerRoutes, withTracing } from "./Http.js"
import { layerServices } from "./Layers.js"

/** The base URL of the in-process server, e.g. `http://127.0.0.1:41234`. */
export class ServerUrl extends Context.Tag("Rampart/ServerUrl")<ServerUrl, string>() {}

/** Serves Rampart on 127.0.0.1 (a free port) over the given settings; provides its URL and the services. */
export const layerInProcessServer = (settings: Partial<ServerSettings>) => {
  const config = layerServerConfig({ host: "127.0.0.1", port: 0, ...settings })
  const url = Layer.effect(
    ServerUrl,
    Effect.map(HttpServer.HttpServer, (server) =>
      server.address._tag === "TcpAddress" ? `http://127.0.0.1:${server.address.port}` : "http://127.0.0.1"
    )
  )
  const served = Layer.unwrapEffect(
    Effect.map(ServerConfig, (c) =>
      withTracing(Layer.merge(layerRoutes, url).pipe(Layer.provideMerge(layerHttpServer(c.http, { port: 0, host: "127.0.0.1" }))), c.tracing)
    )
  )
  return served.pipe(
    Layer.provideMerge(layerServices),
    Layer.provideMerge(config)
  )
}
