/**
 * The server's configuration, read from the environment with Effect `Config` (the only place that
 * reads it): address, store, mode, token issuer, keys and the OTP webhook.
 */
import * as Config from "effect/Config"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import { owaspPasswordCost, type PasswordCost } from "../Crypto/Passwords.js"

/** `sandbox` (the default: demo data, sandbox routes, generated keys) or `production`. */
export type ServerMode = "sandbox" | "production"

/** The HTTP transport: `fast` (the lean node:http server, the default) or `platform` (`NodeHttpServer` of @effect/platform-node). */
export type HttpTransport = "platform" | "fast"

/** Everything the server reads from its environment. */
export interface ServerSettings {
  readonly host: string
  readonly port: number
  readonly databaseUrl: string
  readonly mode: ServerMode
  readonly issuer: string
  readonly audience: string
  readonly secretKey: Option.Option<Redacted.Redacted<string>>
  readonly signingKey: Option.Option<Redacted.Redacted<string>>
  readonly otpWebhookUrl: Option.Option<string>
  readonly stateDirectory: string
  /** Argon2id cost of new password hashes: OWASP's, lowered only by test configuration (not from the environment). */
  readonly passwordCost: PasswordCost
  /** Which HTTP server serves the routes (`RAMPART_HTTP`, default `fast`: same routes, handlers and errors, less CPU per request). */
  readonly http: HttpTransport
  /** Whether Effect spans are recorded (`RAMPART_TRACING`); off unless a tracer exporter is installed. */
  readonly tracing: boolean
}

/** The server's settings as a service. */
export class ServerConfig extends Context.Tag("Rampart/ServerConfig")<ServerConfig, ServerSettings>() {}

/** The `Config` description of the settings, with SPEC's defaults. */
export const serverSettings: Config.Config<ServerSettings> = Config.all({
  host: Config.string("RAMPART_HOST").pipe(Config.withDefault("127.0.0.1")),
  port: Config.port("RAMPART_PORT").pipe(Config.withDefault(8080)),
  databaseUrl: Config.string("RAMPART_DATABASE_URL").pipe(Config.withDefault("sqlite:.rampart/rampart.db")),
  mode: Config.literal("sandbox", "production")("RAMPART_MODE").pipe(Config.withDefault("sandbox" as const)),
  issuer: Config.string("RAMPART_ISSUER").pipe(Config.withDefault("rampart")),
  audience: Config.string("RAMPART_AUDIENCE").pipe(Config.withDefault("rampart")),
  secretKey: Config.option(Config.redacted("RAMPART_SECRET_KEY")),
  signingKey: Config.option(Config.redacted("RAMPART_SIGNING_KEY")),
  otpWebhookUrl: Config.option(Config.url("RAMPART_OTP_WEBHOOK_URL").pipe(Config.map((u) => u.toString()))),
  stateDirectory: Config.string("RAMPART_STATE_DIR").pipe(Config.withDefault(".rampart")),
  passwordCost: Config.succeed(owaspPasswordCost),
  http: Config.literal("fast", "platform")("RAMPART_HTTP").pipe(Config.withDefault("fast" as const)),
  tracing: Config.boolean("RAMPART_TRACING").pipe(Config.withDefault(false))
})

/** `ServerConfig` from the environment. */
export const layerServerConfigFromEnv = Layer.effect(ServerConfig, serverSettings)

/** `ServerConfig` from explicit values over the defaults, ignoring the environment (tests, embedding). */
export const layerServerConfig = (overrides: Partial<ServerSettings>) =>
  Layer.effect(
    ServerConfig,
    Effect.map(Effect.withConfigProvider(serverSettings, ConfigProvider.fromMap(new Map())), (defaults) => ({
      ...defaults,
      ...overrides
    }))
  )
