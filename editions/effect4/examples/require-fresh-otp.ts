/**
 * Recipe (Effect 4): require a fresh OTP before a withdrawal. The wallet's `/wallet/withdraw` needs
 * a Rampart idToken (`UserAuthentication`) and a fresh one-time code in `x-otp` (`OtpVerification`):
 * a current TOTP code, or the code last sent with `GET /auth/otp/code` to a validated channel. The
 * wallet talks to a Rampart server, which checks and consumes the code (`layerOtpVerificationRemote`).
 * Served as a web handler, as in the protect-your-httpapi recipe.
 */
import { Effect, Layer, Redacted, Schema } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest, HttpRouter, HttpServer } from "effect/http"
import { HttpApi, HttpApiBuilder, HttpApiClient, HttpApiEndpoint, HttpApiGroup } from "effect/http-api"
import {
  AuthClient,
  CurrentUser,
  IdTokenVerifier,
  layerOtpVerificationRemote,
  layerUserAuthentication,
  OtpVerification,
  SandboxClient,
  Session,
  UserAuthentication,
  VerifiedOtp
} from "rampart-effect4"

/** What a withdrawal answers: who, and which channel's code allowed it. */
export class Withdrawal extends Schema.Class<Withdrawal>("Withdrawal")({
  email: Schema.String,
  channel: Schema.String,
  amount: Schema.Number
}) {}

/** The wallet: a withdrawal needs a fresh code and an idToken (a middleware covers the endpoints added before it). */
export class WalletApi extends HttpApi.make("wallet").add(
  HttpApiGroup.make("wallet")
    .add(HttpApiEndpoint.post("withdraw", "/wallet/withdraw", { success: Withdrawal }))
    .middleware(OtpVerification)
    .middleware(UserAuthentication)
) {}

const layerWalletHandlers = HttpApiBuilder.group(
  WalletApi,
  "wallet",
  (handlers) =>
    handlers.handle("withdraw", () =>
      Effect.gen(function*() {
        const user = yield* CurrentUser
        const otp = yield* VerifiedOtp // { channel, verifiedAt }
        return new Withdrawal({ email: user.email, channel: otp.channel, amount: 100 })
      }))
)

/**
 * The wallet as a web handler over the Rampart server at `rampartUrl`. Against a sandbox it runs on
 * sandbox time (`SandboxClient.layerClock`): after a clock jump the idTokens would otherwise look
 * issued in the future. In production, leave that layer out.
 */
export const makeWallet = (rampartUrl: string) => {
  const rampart = AuthClient.layer({ baseUrl: rampartUrl })
  return HttpRouter.toWebHandler(
    HttpApiBuilder.layer(WalletApi).pipe(
      Layer.provide(layerWalletHandlers),
      Layer.provideMerge(
        Layer.merge(
          layerUserAuthentication.pipe(
            Layer.provide(IdTokenVerifier.layerJwks({ issuer: "rampart", audience: "rampart" }))
          ),
          layerOtpVerificationRemote
        ).pipe(Layer.provide(rampart))
      ),
      Layer.provideMerge(SandboxClient.layerClock.pipe(Layer.provide(SandboxClient.layer), Layer.provide(rampart))),
      Layer.provide(HttpServer.layerServices)
    )
  )
}

/**
 * The whole flow for a user whose email is validated: ask Rampart for an EMAIL code, read it (the
 * sandbox outbox stands for the user's mailbox), withdraw with it in `x-otp`; then try the same
 * code again (refused: single use). `Session.stepUp(code)` is the same check without a wallet.
 */
export const run = (rampartUrl: string, email: string, password: string) =>
  Effect.gen(function*() {
    const wallet = makeWallet(rampartUrl)
    yield* Effect.addFinalizer(() => Effect.promise(() => wallet.dispose()))
    const session = yield* Session
    const sandbox = yield* SandboxClient
    yield* session.otp.requestCode({ query: { method: "EMAIL" } })
    const [message] = yield* sandbox.outbox(email)
    const idToken = Redacted.value(yield* session.idToken)
    const client = yield* HttpApiClient.make(WalletApi, {
      baseUrl: "http://wallet.internal",
      transformClient: HttpClient.mapRequest((request) =>
        request.pipe(HttpClientRequest.bearerToken(idToken), HttpClientRequest.setHeader("x-otp", message!.code))
      )
    }).pipe(Effect.provide(FetchHttpClient.layer))
    // The wallet's handler as `fetch`: the client's calls reach the wallet in process.
    const toWallet: typeof fetch = (input, init) => wallet.handler(new Request(input, init))
    const withdrawal = yield* Effect.provideService(client.wallet.withdraw(), FetchHttpClient.Fetch, toWallet)
    const again = yield* Effect.flip(Effect.provideService(client.wallet.withdraw(), FetchHttpClient.Fetch, toWallet))
    return { withdrawal, again: again._tag }
  }).pipe(
    Effect.provide(Session.layer({ email, password: Redacted.make(password) })),
    Effect.provide(SandboxClient.layer),
    Effect.provide(AuthClient.layer({ baseUrl: rampartUrl })),
    Effect.scoped
  )
