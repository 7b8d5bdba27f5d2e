/**
 * A resource server on Effect 4 (the kind of service `rampart-effect4` is for): its own `HttpApi`
 * whose `GET /me` needs Rampart's `UserAuthentication` and whose `POST /transfer` also needs the
 * step-up (`OtpVerification`), served in process with `HttpRouter.toWebHandler` (no socket, no
 * platform-node), behind `layerUserAuthentication` over `IdTokenVerifier.layerJwks` and
 * `layerOtpVerificationRemote`, both talking to the reference server.
 */
import * as Effect from "effect/Effect"
import { HttpApi, HttpApiBuilder, HttpApiEndpoint, HttpApiGroup } from "effect/http-api"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServer from "effect/http/HttpServer"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import {
  AuthClient,
  CurrentUser,
  IdTokenVerifier,
  type IdTokenVerifierJwksOptions,
  layerOtpVerificationRemote,
  layerUserAuthentication,
  OtpVerification,
  UserAuthentication,
  VerifiedOtp
} from "../../src/index.js"

/** The consumer's API: `/transfer` behind the step-up and the idToken, `/me` behind the idToken. */
export class ConsumerApi extends HttpApi.make("consumer").add(
  HttpApiGroup.make("account")
    .add(HttpApiEndpoint.post("transfer", "/transfer", { success: Schema.Struct({ channel: Schema.String }) }))
    .middleware(OtpVerification)
    .add(HttpApiEndpoint.get("me", "/me", { success: Schema.Struct({ userId: Schema.String, email: Schema.String }) }))
    .middleware(UserAuthentication)
) {}

const AccountHandlers = HttpApiBuilder.group(ConsumerApi, "account", (handlers) =>
  handlers
    .handle("me", () => Effect.map(Effect.service(CurrentUser), (user) => ({ userId: user.userId, email: user.email })))
    .handle("transfer", () => Effect.map(Effect.service(VerifiedOtp), (proof) => ({ channel: proof.channel }))))

/** The consumer as a web handler over the reference server at `baseUrl`; `dispose` stops it. */
export const makeConsumer = (baseUrl: string, options: Partial<IdTokenVerifierJwksOptions> = {}) => {
  const client = AuthClient.layer({ baseUrl })
  const middlewares = Layer.mergeAll(
    layerUserAuthentication.pipe(
      Layer.provide(IdTokenVerifier.layerJwks({ issuer: "rampart", audience: "rampart", ...options }))
    ),
    layerOtpVerificationRemote
  ).pipe(Layer.provide(client))
  return HttpRouter.toWebHandler(
    HttpApiBuilder.layer(ConsumerApi).pipe(
      Layer.provide(AccountHandlers),
      Layer.provideMerge(middlewares),
      Layer.provide(HttpServer.layerServices)
    ),
    { disableLogger: true }
  )
}
