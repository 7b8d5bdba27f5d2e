/**
 * Recipe: require a fresh OTP before a withdrawal. The wallet's `/wallet/withdraw` needs a Rampart
 * idToken (`UserAuthentication`) and a fresh one-time code in `x-otp` (`OtpVerification`): a
 * current TOTP code, or the code last sent with `GET /auth/otp/code` to a validated channel. The
 * wallet talks to a Rampart server, which checks and consumes the code (`layerOtpVerificationRemote`).
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
} from "rampart"

/** What a withdrawal answers: who, and which channel's code allowed it. */
export class Withdrawal extends Schema.Class<Withdrawal>("Withdrawal")({
  email: Schema.String,
  channel: Schema.String,
  amount: Schema.Number
}) {}

/** The wallet: every endpoint needs an idToken; a withdrawal also needs a fresh code. */
export const WalletApi = HttpApi.make("wallet").add(
  HttpApiGroup.make("wallet")
    .add(HttpApiEndpoint.post("withdraw", "/wallet/withdraw").addSuccess(Withdrawal).middleware(OtpVerification))
    .middleware(UserAuthentication)
)

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

/** The wallet server on `port`, over the Rampart server at `rampartUrl`. */
export const layerWalletServer = (rampartUrl: string, port: number) =>
  HttpApiBuilder.serve().pipe(
    Layer.provide(HttpApiBuilder.api(WalletApi).pipe(Layer.provide(layerWalletHandlers))),
    Layer.provide(layerUserAuthentication),
    Layer.provide(layerOtpVerificationRemote),
    Layer.provide(IdTokenVerifier.layerJwks({ issuer: "rampart", audience: "rampart" })),
    Layer.provide(AuthClient.layer({ baseUrl: rampartUrl })),
    Layer.provideMerge(NodeHttpServer.layer(createServer, { port, host: "127.0.0.1" }))
  )

/**
 * The whole flow for a user whose email is validated: ask Rampart for an EMAIL code, read it (the
 * sandbox outbox stands for the user's mailbox), withdraw with it in `x-otp`; then try the same
 * code again (refused: single use). `Session.stepUp(code)` is the same check without a wallet.
 * Against a sandbox whose clock was moved (a second EMAIL code needs 60 s after the first), the
 * wallet runs on sandbox time (`SandboxClient.layerClock`), or the tokens would look issued in the future.
 */
export const run = (rampartUrl: string, email: string, password: string) =>
  Effect.gen(function*() {
    const address = yield* HttpServer.addressWith((address) => Effect.succeed(address))
    const walletUrl = `http://127.0.0.1:${address._tag === "TcpAddress" ? address.port : 0}`
    const session = yield* Session
    const rampart = yield* AuthClient
    yield* session.otp.requestCode({ urlParams: { method: "EMAIL" } })
    const [message] = yield* rampart.sandbox.outbox({ urlParams: { to: email } })
    const idToken = yield* session.idToken
    const wallet = yield* HttpApiClient.make(WalletApi, {
      baseUrl: walletUrl,
      transformClient: HttpClient.mapRequest((request) =>
        request.pipe(
          HttpClientRequest.bearerToken(Redacted.value(idToken)),
          HttpClientRequest.setHeader("x-otp", message!.code)
        )
      )
    })
    const withdrawal = yield* wallet.wallet.withdraw()
    const again = yield* Effect.flip(wallet.wallet.withdraw())
    return { withdrawal, again: again._tag }
  }).pipe(
    Effect.provide(layerWalletServer(rampartUrl, 0)),
    Effect.provide(Session.layer({ email, password: Redacted.make(password) })),
    Effect.provide(SandboxClient.layerClock),
    Effect.provide(SandboxClient.Default),
    Effect.provide(AuthClient.layer({ baseUrl: rampartUrl })),
    Effect.provide(FetchHttpClient.layer),
    Effect.scoped
  )
