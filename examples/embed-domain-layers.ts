/**
 * Recipe: embed Rampart's domain services in another Effect service — no HTTP, same rules — on
 * SQLite or PostgreSQL. Here a "billing service" creates an account, logs it in, and sends it an
 * EMAIL code through the sandbox outbox.
 */
import { Effect, Option, Redacted } from "effect"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { UserId } from "rampart"
import { Accounts, IdTokens, layerServerConfig, layerServices, OtpChallenges, Sandbox } from "rampart/server"

/** Creates a user, logs it in, requests an EMAIL code and reads it back from the outbox. */
export const onboard = (email: string, password: string) =>
  Effect.gen(function*() {
    const sandbox = yield* Sandbox
    const accounts = yield* Accounts
    const otp = yield* OtpChallenges
    const idTokens = yield* IdTokens
    yield* sandbox.createUser(email, Redacted.make(password))
    const tokens = yield* accounts.login(email, Redacted.make(password), "billing-service/1.0")
    const claims = yield* idTokens.verify(tokens.idToken) // what a resource server does with a bearer
    const status = yield* otp.request(claims.sub as UserId, "EMAIL")
    const [delivered] = yield* sandbox.outbox(email)
    const profile = yield* accounts.profile(claims.sub as UserId)
    return { tokens, profile, status, code: delivered?.code }
  })

/** Runs `onboard` with the domain Layers on the store named by `databaseUrl` (sqlite:… or postgres://…). */
export const runEmbedded = (databaseUrl: string) =>
  onboard(`billing-${Date.now().toString(36)}@example.com`, "embedded password").pipe(
    Effect.provide(layerServices),
    Effect.provide(
      layerServerConfig({
        databaseUrl,
        mode: "sandbox", // sandbox: keys are generated into stateDirectory, codes go to the outbox
        stateDirectory: mkdtempSync(join(tmpdir(), "rampart-embed-")),
        otpWebhookUrl: Option.none()
      })
    )
  )
