/**
 * One HttpApi for a host and Rampart (issue 24): `HttpApi.make("svc").add(Wallet).addHttpApi(RampartApi)`
 * served with `NodeHttpServer`, Rampart's groups implemented by the exported `layer*Http` handler
 * layers and in-process security layers over `layerServices`. Node's `fetch` logs in through
 * Rampart's endpoint and calls the host's, whose own declared error is answered as declared.
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as HttpServer from "@effect/platform/HttpServer"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, ManagedRuntime, Schema } from "effect"
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
  layerServerConfig,
  layerServeWithEdge,
  layerServices,
  layerUserAuthenticationInProcess
} from "rampart/server"
import { testSettings } from "../support/Services.js"
import { freshSqliteUrl } from "../support/Stores.js"

class Balance extends Schema.Class<Balance>("Balance")({ email: Schema.String, amount: Schema.Number }) {}
class WalletFrozen extends Schema.TaggedError<WalletFrozen>()("WalletFrozen", { message: Schema.String }, {
  [HttpApiSchema.AnnotationStatus]: 409
}) {}

const Wallet = HttpApiGroup.make("wallet")
  .add(HttpApiEndpoint.get("balance", "/wallet/balance").addSuccess(Balance).addError(WalletFrozen))
  .middleware(UserAuthentication)

const SvcApi = HttpApi.make("svc").add(Wallet).addHttpApi(RampartApi)

const layerWallet = HttpApiBuilder.group(
  SvcApi,
  "wallet",
  (handlers) =>
    handlers.handle("balance", () =>
      Effect.flatMap(CurrentUser, (user) =>
        user.email.startsWith("frozen")
          ? Effect.fail(new WalletFrozen({ message: "this wallet is frozen" }))
          : Effect.succeed(new Balance({ email: user.email, amount: 42 }))))
)

describe("a host HttpApi that folds RampartApi in, served with NodeHttpServer behind Rampart's edge", () => {
  it("Rampart's endpoints and the host's answer from one server; the host's declared error keeps its status and body", async () => {
    const services = layerServices.pipe(Layer.provideMerge(layerServerConfig(testSettings(freshSqliteUrl()))))
    const runtime = ManagedRuntime.make(
      layerServeWithEdge(SvcApi, { logFormat: "off" }).pipe(
        Layer.provide(
          HttpApiBuilder.api(SvcApi).pipe(
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
        Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" })),
        Layer.provide(services)
      )
    )
    try {
      const address = await runtime.runPromise(HttpServer.addressWith((address) => Effect.succeed(address)))
      const url = `http://127.0.0.1:${address._tag === "TcpAddress" ? address.port : 0}`
      const post = (path: string, body: unknown) =>
        fetch(url + path, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body)
        })
      for (const email of ["ada@example.com", "frozen@example.com"]) {
        expect((await post("/sandbox/users", { email, password: "correct horse battery" })).status).toBe(201)
      }
      const login = async (email: string) =>
        ((await (await post("/auth/login", { email, password: "correct horse battery" })).json()) as {
          idToken: string
        })
          .idToken
      const balance = (token: string) =>
        fetch(`${url}/wallet/balance`, { headers: { authorization: `Bearer ${token}` } })
      const ok = await balance(await login("ada@example.com"))
      expect(ok.status).toBe(200)
      expect(await ok.json()).toEqual({ email: "ada@example.com", amount: 42 })
      const frozen = await balance(await login("frozen@example.com"))
      expect(frozen.status).toBe(409)
      expect(await frozen.json()).toEqual({ _tag: "WalletFrozen", message: "this wallet is frozen" })
      const refused = await fetch(`${url}/wallet/balance`)
      expect(refused.status).toBe(403)
      expect(((await refused.json()) as { _tag: string })._tag).toBe("AuthError")
      expect((await fetch(`${url}/.well-known/jwks.json`)).status).toBe(200)
      // Rampart's edge around the whole API, the host's routes included.
      const unknown = await fetch(`${url}/nowhere`)
      expect(unknown.status).toBe(404)
      expect(((await unknown.json()) as { _tag: string })._tag).toBe("NotFound")
      const wrongMethod = await fetch(`${url}/wallet/balance`, { method: "DELETE" })
      expect(wrongMethod.status).toBe(405)
      expect(wrongMethod.headers.get("allow")).toContain("GET")
      const tooBig = await post("/auth/login", { email: "a@example.com", password: "x".repeat(70 * 1024) })
      expect(tooBig.status).toBe(413)
      const bad = await post("/auth/login", { email: 42, password: "correct horse battery" })
      expect(bad.status).toBe(400)
      const badText = await bad.text()
      expect(badText).toContain("`email`")
      expect(badText.length).toBeLessThan(1024)
    } finally {
      await runtime.dispose()
    }
  })
})
