/**
 * `layerPartnerAuthentication` (`rampart/server`) as a service that embeds the domain uses it: its
 * own `HttpApi` with the contract's `PartnerAuthentication` middleware, served with
 * `NodeHttpServer` over `layerServices`; Node's `fetch` with a partner's access token.
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpServer from "@effect/platform/HttpServer"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Redacted, Schema } from "effect"
import { createServer } from "node:http"
import { CurrentPartner, PartnerAuthentication, PartnerLoginRequest, Totp } from "rampart"
import { layerPartnerAuthentication, layerServerConfig, layerServices, Partners, Sandbox } from "rampart/server"
import { testSettings } from "../support/Services.js"
import { freshSqliteUrl } from "../support/Stores.js"

class Payout extends Schema.Class<Payout>("Payout")({ clientId: Schema.Number }) {}

const PayoutsApi = HttpApi.make("payouts").add(
  HttpApiGroup.make("payouts")
    .add(HttpApiEndpoint.get("mine", "/payouts/mine").addSuccess(Payout))
    .middleware(PartnerAuthentication)
)

const layerPayouts = HttpApiBuilder.group(
  PayoutsApi,
  "payouts",
  (handlers) =>
    handlers.handle("mine", () => Effect.map(CurrentPartner, (partner) => new Payout({ clientId: partner.clientId })))
)

describe("layerPartnerAuthentication in a host HttpApi", () => {
  it.live("a live access token: 200 with CurrentPartner; none, garbage or logged out: 403 AuthError", () =>
    Effect.gen(function*() {
      const address = yield* HttpServer.addressWith((address) => Effect.succeed(address))
      const url = `http://127.0.0.1:${address._tag === "TcpAddress" ? address.port : 0}/payouts/mine`
      const password = "correct horse battery"
      const partner = yield* (yield* Sandbox).createPartner("payee@example.com", Redacted.make(password))
      const partners = yield* Partners
      const login = yield* partners.login(
        new PartnerLoginRequest({
          email: "payee@example.com",
          password: Redacted.make(password),
          client_id: partner.client_id,
          client_secret: Redacted.make(partner.client_secret),
          security_code: yield* Effect.orDie((yield* Totp).generate(partner.totp_secret))
        })
      )
      const get = (token?: string) =>
        Effect.promise(async () => {
          const answer = await fetch(url, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } })
          return { status: answer.status, body: await answer.json() }
        })
      expect(yield* get(login.access_token)).toEqual({ status: 200, body: { clientId: partner.client_id } })
      for (const token of [undefined, "garbage", `${login.access_token}x`]) {
        const refused = yield* get(token)
        expect(refused.status).toBe(403)
        expect(refused.body._tag).toBe("AuthError")
      }
      const session = yield* partners.authenticate(Redacted.make(login.access_token))
      yield* partners.logout(session.sessionId)
      expect((yield* get(login.access_token)).status).toBe(403)
    }).pipe(
      Effect.provide(
        HttpApiBuilder.serve().pipe(
          Layer.provide(HttpApiBuilder.api(PayoutsApi).pipe(Layer.provide(layerPayouts))),
          Layer.provide(layerPartnerAuthentication),
          Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" }))
        )
      ),
      Effect.provide(layerServices.pipe(Layer.provideMerge(layerServerConfig(testSettings(freshSqliteUrl()))))),
      Effect.scoped
    ))
})
