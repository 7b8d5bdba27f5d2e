/**
 * The server's domain Layers, without HTTP: embed them in another Effect service to get accounts,
 * OTP methods and codes, partner logins and the sandbox on a SQLite or PostgreSQL store.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type { MigrationError } from "@effect/sql/Migrator"
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { Totp } from "../Totp.js"
import { Accounts } from "./Accounts/Accounts.js"
import { UsersRepo } from "./Accounts/UsersRepo.js"
import { ServerConfig } from "./Config.js"
import { Hmac } from "./Crypto/Hmac.js"
import { defaultIdTokenSettings, IdTokens, IdTokenSettings } from "./Crypto/IdTokens.js"
import { OpaqueTokens } from "./Crypto/OpaqueTokens.js"
import { PasswordCostConfig, Passwords } from "./Crypto/Passwords.js"
import { RandomTokens } from "./Crypto/RandomTokens.js"
import { SecretBox } from "./Crypto/SecretBox.js"
import { layerEventFeed } from "./Events/EventFeed.js"
import { EventFeedRepo } from "./Events/EventFeedRepo.js"
import { SecurityEvents } from "./Events/SecurityEvents.js"
import { SecurityEventsRepo } from "./Events/SecurityEventsRepo.js"
import { layerKeys, MissingKeyError } from "./Keys.js"
import { makeOutboxSender, makeWebhookSender, OtpSender, routeByChannel } from "./Otp/Delivery.js"
import { OtpChallenges } from "./Otp/OtpChallenges.js"
import { OtpMethods } from "./Otp/OtpMethods.js"
import { OutboxRepo } from "./Otp/OutboxRepo.js"
import { makeSmtpSender } from "./Otp/SmtpSender.js"
import { StepUp } from "./Otp/StepUp.js"
import { Partners } from "./Partners/Partners.js"
import { Faults } from "./Sandbox/Faults.js"
import { Sandbox } from "./Sandbox/Sandbox.js"
import { SandboxClock } from "./Sandbox/SandboxClock.js"
import { layerDatabase, StoreInfo } from "./Store/Database.js"
import { LeasesRepo } from "./Store/LeasesRepo.js"
import { migrate } from "./Store/Migrations.js"
import { layerPruner, Pruner } from "./Store/Pruner.js"
import { StoreHealth } from "./Store/StoreHealth.js"

/** The store named by `ServerConfig.databaseUrl`, migrated. */
export const layerStore = Layer.unwrapEffect(
  Effect.map(ServerConfig, (config) => layerDatabase(config.databaseUrl, { timeout: config.storeTimeout }))
)

/** idToken issuer and audiences from `ServerConfig`, over the defaults (lifetime, leeway). */
export const layerIdTokenSettings = Layer.effect(
  IdTokenSettings,
  Effect.map(
    ServerConfig,
    (config) => ({ ...defaultIdTokenSettings, issuer: config.issuer, audiences: config.audiences })
  )
)

/**
 * OTP delivery by channel: SMS by the webhook when configured, else (sandbox) to the outbox; EMAIL
 * by SMTP when `RAMPART_SMTP_URL` is set (in the sandbox also to the outbox), else like SMS.
 * Production requires the webhook, since SMS has no other route.
 */
export const layerOtpSender = Layer.scoped(
  OtpSender,
  Effect.gen(function*() {
    const config = yield* ServerConfig
    if (config.mode === "production" && Option.isNone(config.otpWebhookUrl)) {
      return yield* new MissingKeyError({
        message:
          "RAMPART_OTP_WEBHOOK_URL is required in production mode (SMS codes, and EMAIL codes unless RAMPART_SMTP_URL is set, are delivered by webhook)"
      })
    }
    const outbox = config.mode === "sandbox" ? [yield* Effect.provide(makeOutboxSender, OutboxRepo.Default)] : []
    const webhookOrOutbox = Option.isSome(config.otpWebhookUrl)
      ? [
        yield* Effect.provide(
          makeWebhookSender(config.otpWebhookUrl.value, config.deliveryTimeout),
          FetchHttpClient.layer
        )
      ]
      : outbox
    const email = Option.isSome(config.smtpUrl)
      ? [
        ...outbox,
        yield* makeSmtpSender({ url: config.smtpUrl.value, from: config.mailFrom, timeout: config.deliveryTimeout })
      ]
      : webhookOrOutbox
    return routeByChannel({ EMAIL: email, SMS: webhookOrOutbox })
  })
)

/** The Argon2id cost from `ServerConfig`. */
export const layerPasswordCost = Layer.effect(
  PasswordCostConfig,
  Effect.map(ServerConfig, (config) => config.passwordCost)
)

/** The crypto services over the configured keys. */
export const layerCrypto = Layer.mergeAll(
  OpaqueTokens.Default,
  SecretBox.Default,
  IdTokens.Default.pipe(Layer.provide(layerIdTokenSettings))
).pipe(
  Layer.provideMerge(Hmac.Default),
  Layer.provideMerge(layerKeys),
  Layer.provideMerge(
    Layer.mergeAll(RandomTokens.Default, Passwords.Default.pipe(Layer.provide(layerPasswordCost)), Totp.Default)
  )
)

/** The security-event feed (when `RAMPART_EVENTS_WEBHOOK_URL` is set), with its store and HTTP client. */
const layerFeed = layerEventFeed.pipe(
  Layer.provide(
    Layer.mergeAll(EventFeedRepo.Default, LeasesRepo.Default, SecurityEventsRepo.Default, FetchHttpClient.layer)
  )
)

/** The pruner (store retention), one round a minute. */
const layerRetention = layerPruner.pipe(Layer.provide(Layer.merge(Pruner.Default, LeasesRepo.Default)))

/** Every service of the server's domain, over a migrated `SqlClient` and its `StoreInfo` still to provide. */
const layerDomainOnAnyStore = Layer.mergeAll(
  layerFeed,
  layerRetention,
  Accounts.Default,
  OtpMethods.Default,
  OtpChallenges.Default,
  StepUp.Default,
  Partners.Default,
  Sandbox.Default,
  SandboxClock.Default,
  Faults.Default,
  UsersRepo.Default,
  StoreHealth.Default
).pipe(
  Layer.provideMerge(layerOtpSender),
  Layer.provideMerge(SecurityEvents.Default),
  Layer.provideMerge(layerCrypto)
)

/**
 * Every service of the server's domain, internals included (repositories, keys, the store), over
 * `ServerConfig`: what the server's own composition, the testing kit and the project's tests build on.
 */
export const layerDomain = layerDomainOnAnyStore.pipe(Layer.provideMerge(layerStore))

/**
 * Rampart's migrations run on the `SqlClient` in context (its `rampart_*` tables beside the host's),
 * and its `StoreInfo` read from the client's dialect.
 */
const layerMigratedHostStore: Layer.Layer<StoreInfo, SqlError | MigrationError, SqlClient.SqlClient> = Layer.effect(
  StoreInfo,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* migrate
    return { kind: sql.onDialectOrElse({ pg: () => "postgres" as const, orElse: () => "sqlite" as const }) }
  })
)

/** The services `layerServices` provides: the domain a host embeds. */
export type RampartServices =
  | Accounts
  | OtpMethods
  | OtpChallenges
  | StepUp
  | Partners
  | Sandbox
  | SandboxClock
  | Faults
  | SecurityEvents
  | OtpSender
  | IdTokens
  | Passwords
  | Totp
  | StoreHealth

/** Why the domain could not start: bad configuration or keys, an unreachable or unmigrated store, a missing driver. */
export type RampartStartError = Layer.Layer.Error<typeof layerDomain>

/**
 * Every domain service of the server, over `ServerConfig` (store, keys, crypto, delivery included);
 * its type names only what `rampart/server` exports, so a host can declare layers built from it.
 */
export const layerServices: Layer.Layer<RampartServices, RampartStartError, ServerConfig> = layerDomain

/**
 * `layerServices` on the host's own `SqlClient` (SQLite or PostgreSQL) instead of a store of its
 * own: Rampart's migrations run there, in its `rampart_*` tables, and `ServerConfig.databaseUrl` is
 * not used. Rampart's transactions are its own (see `src/Server/Store/Transaction.ts`).
 */
export const layerServicesOnSqlClient: Layer.Layer<
  RampartServices,
  RampartStartError,
  ServerConfig | SqlClient.SqlClient
> = layerDomainOnAnyStore.pipe(Layer.provideMerge(layerMigratedHostStore))
