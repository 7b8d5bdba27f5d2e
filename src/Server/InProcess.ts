/**
 * A complete Rampart server on a free loopback port, inside the current process: for tests,
 * recipes and integrators who want the sandbox without a separate process.
 */
import * as HttpServer from "@effect/platform/HttpServer"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { layerServerConfig, type ServerSettings } from "./Config.js"
import { makeServer } from "./Server.js"

/** The base URL of the in-process server, e.g. `http://127.0.0.1:41234`. */
export class ServerUrl extends Context.Tag("Rampart/ServerUrl")<ServerUrl, string>() {}

/** `ServerUrl` of the loopback `HttpServer`. */
const layerServerUrl = Layer.effect(
  ServerUrl,
  Effect.map(
    HttpServer.HttpServer,
    (server) => server.address._tag === "TcpAddress" ? `http://127.0.0.1:${server.address.port}` : "http://127.0.0.1"
  )
)

/** Serves Rampart on 127.0.0.1 (a free port) over the given settings; provides its URL and the services. */
export const layerInProcessServer = (settings: Partial<ServerSettings>) =>
  layerServerUrl.pipe(
    Layer.provideMerge(
      makeServer({
        config: layerServerConfig({ host: "127.0.0.1", port: 0, ...settings }),
        listen: "loopback-free-port",
        demo: false
      })
    )
  )
