/**
 * Recipe: Rampart inside your service — its tables in your database, its routes in your `HttpApi`.
 * Your `SqlClient` carries both (`layerServicesOnSqlClient` runs Rampart's migrations there, as
 * `rampart_*` tables), your API adds Rampart's (`.addHttpApi(RampartApi)`), the exported handler
 * layers implement its groups, and `layerServeWithEdge` serves the whole API behind Rampart's edge
 * (413 before reading, JSON 404/405, plain decode errors, request log).
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import type * as HttpServer from "@effect/platform/HttpServer"
import type * as SqlClient from "@effect/sql/SqlClient"
import { Effect, Layer, Schema } from "effect"
import { createServer } from "node:http"
import { CurrentUser, RampartApi, UserAuthentication } from "rampart"
import {
  layerAuthHttp,
  layerOperationsHttp,
  layerOtpHttp,
  layerPartnerAuthentication,
  layerPartnersHttp,
  layerSandboxHttp,
  layerSandboxSeed,
  layerServeWithEdge,
  layerServicesOnSqlClient,
  layerUserAuthenticationInProcess,
  type ServerConfig
} from "rampart/server"

/** Your own group: only for users logged in at Rampart. */
export class Wallet extends HttpApiGroup.make("wallet")
  .add(HttpApiEndpoint.get("balance", "/wallet/balance").addSuccess(Schema.Struct({ email: Schema.String })))
  .middleware(UserAuthentication)
{}

/** One API: yours and Rampart's. */
export const ServiceApi = HttpApi.make("service").add(Wallet).addHttpApi(RampartApi)

const layerWallet = HttpApiBuilder.group(
  ServiceApi,
  "wallet",
  (handlers) => handlers.handle("balance", () => Effect.map(CurrentUser, (user) => ({ email: user.email })))
)

/** The whole service on `port`: Rampart's domain on the `SqlClient` you provide, and `ServerConfig`. */
export const layerService = (
  port: number
): Layer.Layer<HttpServer.HttpServer, unknown, SqlClient.SqlClient | ServerConfig> =>
  layerServeWithEdge(ServiceApi).pipe(
    Layer.provide(
      HttpApiBuilder.api(ServiceApi).pipe(
        Layer.provide([
          layerWallet,
          layerAuthHttp,
          layerOtpHttp,
          layerPartnersHttp,
          layerOperationsHttp,
          layerSandboxHttp
        ]),
        Layer.provide([layerUserAuthenticationInProcess, layerPartnerAuthentication]),
        Layer.provide(layerSandboxSeed(false))
      )
    ),
    Layer.provideMerge(NodeHttpServer.layer(createServer, { port, host: "127.0.0.1" })),
    Layer.provide(layerServicesOnSqlClient)
  )
