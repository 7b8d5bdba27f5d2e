/**
 * A consumer's resource server for verify-overhead: one `HttpApi` served by the platform's
 * `NodeHttpServer`, as a service built on `rampart` would serve it, with two endpoints that answer
 * the same shape:
 * - `GET /protected`: its group uses the contract's `UserAuthentication`, provided by rampart's
 *   `layerUserAuthentication` over `IdTokenVerifier.layerKeys` (keys known in advance, no fetch);
 *   answers `{ userId }` of `CurrentUser`, 403 `AuthError` without a valid idToken;
 * - `GET /open`: no middleware; answers `{ userId }` from a constant.
 * No logging (the platform's request logger is not installed; refusals are logged at debug only).
 *
 * Env: BENCH_PORT, BENCH_JWKS (a JWKS document, JSON), BENCH_ISSUER, BENCH_AUDIENCE.
 */
import { HttpApi, HttpApiBuilder, HttpApiEndpoint, HttpApiGroup } from "@effect/platform"
import { NodeHttpServer, NodeRuntime } from "@effect/platform-node"
import { Effect, Layer, Schema } from "effect"
import { createServer } from "node:http"
import { CurrentUser, UserAuthentication } from "../../src/Api/Security.js"
import { IdTokenVerifier, type JsonWebKeySet, layerUserAuthentication } from "../../src/Client/IdTokenVerifier.js"

const env = (name: string): string => {
  const value = process.env[name]
  if (value === undefined) throw new Error(`${name} is required`)
  return value
}

/** What both endpoints answer. */
const Me = Schema.Struct({ userId: Schema.String })

/** The protected group: the contract's bearer middleware on every endpoint. */
class Protected extends HttpApiGroup.make("protected")
  .add(HttpApiEndpoint.get("protected", "/protected").addSuccess(Me))
  .middleware(UserAuthentication)
{}

/** The same endpoint with no security. */
class Open extends HttpApiGroup.make("open").add(HttpApiEndpoint.get("open", "/open").addSuccess(Me)) {}

class ConsumerApi extends HttpApi.make("consumer").add(Protected).add(Open) {}

const openUserId = "00000000-0000-4000-8000-000000000000"

const ProtectedLive = HttpApiBuilder.group(
  ConsumerApi,
  "protected",
  (handlers) => handlers.handle("protected", () => Effect.map(CurrentUser, (user) => ({ userId: user.userId })))
)

const OpenLive = HttpApiBuilder.group(
  ConsumerApi,
  "open",
  (handlers) => handlers.handle("open", () => Effect.succeed({ userId: openUserId }))
)

const ApiLive = HttpApiBuilder.api(ConsumerApi).pipe(
  Layer.provide([ProtectedLive, OpenLive]),
  Layer.provide(layerUserAuthentication),
  Layer.provide(
    IdTokenVerifier.layerKeys(JSON.parse(env("BENCH_JWKS")) as JsonWebKeySet, {
      issuer: env("BENCH_ISSUER"),
      audience: env("BENCH_AUDIENCE")
    })
  )
)

HttpApiBuilder.serve().pipe(
  Layer.provide(ApiLive),
  Layer.provide(NodeHttpServer.layer(createServer, { port: Number(env("BENCH_PORT")), host: "127.0.0.1" })),
  Layer.launch,
  Effect.tapErrorCause((cause) => Effect.logError("resource server failed to start", cause)),
  NodeRuntime.runMain({ disableErrorReporting: true })
)
