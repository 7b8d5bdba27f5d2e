/**
 * Recipe: protect your own `HttpApi` with Rampart idTokens. A wallet service declares its endpoints
 * with the contract's `UserAuthentication` middleware, and serves them with
 * `layerUserAuthentication` over `IdTokenVerifier.layerJwks`: the keys come from the Rampart
 * server's `/.well-known/jwks.json` (cached, refetched on a new `kid`, so a key rotation logs nobody
 * out), and every request is checked as the Rampart server checks its own tokens.
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApiClient from "@effect/platform/HttpApiClient"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpServer from "@effect/platform/HttpServer"
import { Effect, Layer, Redacted, Schema } from "effect"
import { createServer } from "node:http"
import { AuthClient, CurrentUser, IdTokenVerifier, layerUserAuthentication, UserAuthentication } from "rampart"

/** The wallet's answer: who is asking, as the idToken says. */
export class Balance extends Schema.Class<Balance>("Balance")({ email: Schema.String, amount: Schema.Number }) {}

/** The wallet service's own API: every endpoint of the group needs a Rampart idToken. */
export const WalletApi = HttpApi.make("wallet").add(
  HttpApiGroup.make("wallet")
    .add(HttpApiEndpoint.get("balance", "/wallet/balance").addSuccess(Balance))
    .middleware(UserAuthentication)
)

/** The handlers read the verified user from `CurrentUser`. */
const layerWalletHandlers = HttpApiBuilder.group(
  WalletApi,
  "wallet",
  (handlers) =>
    handlers.handle("balance", () => Effect.map(CurrentUser, (user) => new Balance({ email: user.email, amount: 42 })))
)

/** The wallet server on `port`, trusting the idTokens of the Rampart server at `rampartUrl`. */
export const layerWalletServer = (rampartUrl: string, port: number) =>
  HttpApiBuilder.serve().pipe(
    Layer.provide(HttpApiBuilder.api(WalletApi).pipe(Layer.provide(layerWalletHandlers))),
    Layer.provide(layerUserAuthentication),
    Layer.provide(IdTokenVerifier.layerJwks({ issuer: "rampart", audience: "rampart" })),
    Layer.provide(AuthClient.layer({ baseUrl: rampartUrl })),
    Layer.provideMerge(NodeHttpServer.layer(createServer, { port, host: "127.0.0.1" }))
  )

/** Logs in at Rampart, then calls the wallet with the idToken, and once without it. */
export const run = (rampartUrl: string, email: string, password: string) =>
  Effect.gen(function*() {
    const address = yield* HttpServer.addressWith((address) => Effect.succeed(address))
    const walletUrl = `http://127.0.0.1:${address._tag === "TcpAddress" ? address.port : 0}`
    const rampart = yield* AuthClient
    const { idToken } = yield* rampart.auth.login({ payload: { email, password: Redacted.make(password) } })
    const wallet = yield* HttpApiClient.make(WalletApi, {
      baseUrl: walletUrl,
      transformClient: HttpClient.mapRequest(HttpClientRequest.bearerToken(idToken))
    })
    const balance = yield* wallet.wallet.balance()
    const anonymous = yield* HttpApiClient.make(WalletApi, { baseUrl: walletUrl })
    const refused = yield* Effect.flip(anonymous.wallet.balance())
    return { balance, refused: refused._tag }
  }).pipe(
    Effect.provide(layerWalletServer(rampartUrl, 0)),
    Effect.provide(AuthClient.layer({ baseUrl: rampartUrl })),
    Effect.provide(FetchHttpClient.layer),
    Effect.scoped
  )
