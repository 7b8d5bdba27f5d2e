/**
 * Recipe (Effect 4): protect your own `HttpApi` with Rampart idTokens. A wallet service declares its
 * endpoints with the contract's `UserAuthentication` middleware and serves them with
 * `layerUserAuthentication` over `IdTokenVerifier.layerJwks`: the keys come from the Rampart
 * server's `/.well-known/jwks.json` (cached, refetched on a new `kid`, so a key rotation logs nobody
 * out), and every request is checked as the Rampart server checks its own tokens.
 *
 * The wallet is a web handler (`HttpRouter.toWebHandler`: Request in, Response out), which any
 * web-standard server runs (Bun, Deno, a Node adapter; `@effect/platform-node@4` needs Node ≥ 22.19).
 * Here its typed client reaches it in process, through `FetchHttpClient` with the handler as `fetch`.
 */
import { Effect, Layer, Redacted, Schema } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest, HttpRouter, HttpServer } from "effect/http"
import { HttpApi, HttpApiBuilder, HttpApiClient, HttpApiEndpoint, HttpApiGroup } from "effect/http-api"
import {
  AuthClient,
  CurrentUser,
  IdTokenVerifier,
  layerUserAuthentication,
  LoginRequest,
  UserAuthentication
} from "rampart-effect4"

/** The wallet's answer: who is asking, as the idToken says. */
export class Balance extends Schema.Class<Balance>("Balance")({ email: Schema.String, amount: Schema.Number }) {}

/** The wallet service's own API: every endpoint of the group needs a Rampart idToken. */
export class WalletApi extends HttpApi.make("wallet").add(
  HttpApiGroup.make("wallet")
    .add(HttpApiEndpoint.get("balance", "/wallet/balance", { success: Balance }))
    .middleware(UserAuthentication)
) {}

/** The handlers read the verified user from `CurrentUser`. */
const layerWalletHandlers = HttpApiBuilder.group(
  WalletApi,
  "wallet",
  (handlers) =>
    handlers.handle(
      "balance",
      () => Effect.map(Effect.service(CurrentUser), (user) => new Balance({ email: user.email, amount: 42 }))
    )
)

/** The wallet as a web handler, trusting the idTokens of the Rampart server at `rampartUrl`. */
export const makeWallet = (rampartUrl: string) =>
  HttpRouter.toWebHandler(
    HttpApiBuilder.layer(WalletApi).pipe(
      Layer.provide(layerWalletHandlers),
      Layer.provideMerge(
        layerUserAuthentication.pipe(
          Layer.provide(IdTokenVerifier.layerJwks({ issuer: "rampart", audience: "rampart" })),
          Layer.provide(AuthClient.layer({ baseUrl: rampartUrl }))
        )
      ),
      Layer.provide(HttpServer.layerServices)
    )
  )

/** A typed client of the wallet (with the idToken as bearer, when given). */
const walletClient = (idToken?: string) =>
  HttpApiClient.make(WalletApi, {
    baseUrl: "http://wallet.internal",
    transformClient: idToken === undefined ? undefined : HttpClient.mapRequest(HttpClientRequest.bearerToken(idToken))
  }).pipe(Effect.provide(FetchHttpClient.layer))

/** Runs `effect` with the wallet's handler as its `fetch` (its calls reach the wallet in process). */
const inProcess = (handler: (request: Request) => Promise<Response>) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.provideService(effect, FetchHttpClient.Fetch, (input, init) => handler(new Request(input, init)))

/** Logs in at Rampart, then calls the wallet with the idToken, and once without it. */
export const run = (rampartUrl: string, email: string, password: string) =>
  Effect.gen(function*() {
    const wallet = makeWallet(rampartUrl)
    yield* Effect.addFinalizer(() => Effect.promise(() => wallet.dispose()))
    const rampart = yield* AuthClient
    const { idToken } = yield* rampart.auth.login({
      payload: new LoginRequest({ email, password: Redacted.make(password) })
    })
    const withToken = yield* walletClient(idToken)
    const anonymous = yield* walletClient()
    const balance = yield* withToken.wallet.balance().pipe(inProcess(wallet.handler))
    const refused = yield* Effect.flip(anonymous.wallet.balance()).pipe(inProcess(wallet.handler))
    return { balance, refused: refused._tag }
  }).pipe(Effect.provide(AuthClient.layer({ baseUrl: rampartUrl })), Effect.scoped)
