/** Starts the real server in-process on a loopback port for a test file, and stops it afterwards. */
import { Effect, Exit, Layer, ManagedRuntime, Option, Redacted, Scope } from "effect"
import type { ServerSettings } from "../../src/Server/Config.js"
import { generateMasterKeyBase64 } from "../../src/Server/Crypto/MasterKey.js"
import { generateSigningJwk } from "../../src/Server/Crypto/SigningKey.js"
import { layerInProcessServer, ServerUrl } from "../../src/Server/InProcess.js"
import { testSettings } from "./Services.js"
import { freshSqliteUrl } from "./Stores.js"

/** A running test server: its URL, a runtime holding its services, and `close`. */
export interface RunningServer {
  readonly url: string
  readonly runtime: ManagedRuntime.ManagedRuntime<Layer.Layer.Success<ReturnType<typeof layerInProcessServer>>, unknown>
  readonly close: () => Promise<void>
}

/** Starts a server over `databaseUrl` with test settings (overridable). */
export const startServer = async (
  databaseUrl: string,
  overrides: Partial<ServerSettings> = {}
): Promise<RunningServer> => {
  const runtime = ManagedRuntime.make(layerInProcessServer(testSettings(databaseUrl, overrides)))
  const url = await runtime.runPromise(ServerUrl)
  return { url, runtime, close: () => runtime.dispose() }
}

/** Builds a server layer and reports how it fails (for start-up refusals). */
export const startupFailure = (databaseUrl: string, overrides: Partial<ServerSettings>) =>
  Effect.runPromise(
    Effect.scoped(
      Effect.flatMap(Scope.Scope, (scope) =>
        Effect.exit(Layer.buildWithScope(layerInProcessServer(testSettings(databaseUrl, overrides)), scope)))
    ).pipe(Effect.map((exit) => (Exit.isFailure(exit) ? String(exit.cause) : "started")))
  )

/** Production mode with fresh keys and a webhook nobody listens on (no code is sent by the tests using it). */
export const productionSettings = (): Partial<ServerSettings> => ({
  mode: "production",
  secretKey: Option.some(Redacted.make(generateMasterKeyBase64())),
  signingKey: Option.some(Redacted.make(generateSigningJwk())),
  otpWebhookUrl: Option.some("http://127.0.0.1:9/unused")
})

/** Starts a production-mode server on a fresh SQLite store (overridable settings). */
export const startProductionServer = (overrides: Partial<ServerSettings> = {}) =>
  startServer(freshSqliteUrl(), { ...productionSettings(), ...overrides })
