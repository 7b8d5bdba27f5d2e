/**
 * Recipe: what an embedding program can count on from Rampart's layers — types it can name and
 * export (`RampartServices`, `RampartStartError`: a module compiled with `declaration: true` can
 * export them), no requirement of its own context (every service method needs nothing from the
 * caller: a `SqlClient` of yours in scope is never used), and typed failures: a failed OTP delivery
 * is a `DeliveryError` to recover from, with nothing stored.
 */
import { Effect, Layer, Option, Redacted } from "effect"
import {
  Accounts,
  type DeliveryError,
  IdTokens,
  layerServerConfig,
  layerServices,
  OtpChallenges,
  type RampartServices,
  type RampartStartError,
  Sandbox,
  type ServerSettings
} from "rampart/server"

/** The domain, typed with exported names only: a `declaration: true` build can export it. */
export const layerDomainOf = (
  settings: Partial<ServerSettings>
): Layer.Layer<RampartServices, RampartStartError> => layerServices.pipe(Layer.provide(layerServerConfig(settings)))

/** Asks for an EMAIL code; a failed delivery is answered, not a defect: what the caller shows. */
export const requestCode = (email: string) =>
  Effect.gen(function*() {
    const password = Redacted.make("correct horse battery")
    yield* (yield* Sandbox).createUser(email, password)
    const tokens = yield* (yield* Accounts).login(email, password, null)
    const { sub } = yield* (yield* IdTokens).verify(tokens.idToken)
    return yield* (yield* OtpChallenges).request(sub, "EMAIL").pipe(
      Effect.as("sent" as const),
      Effect.catchTag("DeliveryError", (error: DeliveryError) => Effect.succeed(`not sent: ${error.message}` as const))
    )
  })

/** The recipe's run: a webhook nobody answers, so the delivery fails and is reported as a value. */
export const run = (stateDirectory: string, databaseUrl: string) =>
  requestCode("typed@example.com").pipe(
    Effect.provide(
      layerDomainOf({
        databaseUrl,
        stateDirectory,
        otpWebhookUrl: Option.some("http://127.0.0.1:9/nobody"),
        passwordCost: { memoryCost: 1024, timeCost: 1 }
      })
    )
  )
