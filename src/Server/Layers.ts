/**
 * The server's domain Layers, without HTTP: embed them in another Effect service to get accounts,
 * OTP methods and codes, partner logins and the sandbox on a SQLite or PostgreSQL store.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { Hmac } from "../Crypto/Hmac.js"
import { defaultIdTokenSettings, IdTokens, IdTokenSettings } from "../Crypto/IdTokens.js"
import { PasswordCostConfig, Passwords } from "../Crypto/Passwords.js"
import { RandomTokens } from "../Crypto/RandomTokens.js"
import { SecretBox } from "../Crypto/SecretBox.js"
import { Totp } from "../Totp.js"
import { Accounts } from "./Auth/Accounts.js"
import { ServerConfig } from "./Config.js"
import { layerKeys, MissingKeyError } from "./Keys.js"
import { layerOutboxSender, layerWebhookSender } from "./Otp/Delivery.js"
import { OtpChallenges } from "./Otp/OtpChallenges.js"
import { OtpMethods } from "./Otp/OtpMethods.js"
import { Partners } from "./Partners/Partners.js"
import { Sandbox } from "./Sandbox/Sandbox.js"
import { layerDatabase } from "./Store/Database.js"
import { StoreHealth } from "./Store/StoreHealth.js"
import { UsersRepo } from "./Users/UsersRepo.js"

/** The store named by `ServerConfig.databaseUrl`, migrated. */
export const layerStore = Layer.unwrapEffect(Effect.map(ServerConfig, (config) => layerDatabase(config.databaseUrl)))

/** idToken issuer and audience from `ServerConfig`, over the defaults (lifetime, leeway). */
export const layerIdTokenSettings = Layer.effect(
  IdTokenSettings,
  Effect.map(ServerConfig, (config) => ({ ...defaultIdTokenSettings, issuer: config.issuer, audience: config.audience }))
)

/** OTP delivery: the webhook when configured, else the sandbox outbox; production requires the webhook. */
export const layerOtpSender = Layer.unwrapEffect(
  Effect.gen(function* () {
    const config = yield* ServerConfig
    if (Option.isSome(config.otpWebhookUrl)) {
      return layerWebhookSender(config.otpWebhookUrl.value).pipe(Layer.provide(FetchHttpClient.layer))
    }
    if (config.mode === "sandbox") return layerOutboxSender
    return yield* new MissingKeyError({
      message: "RAMPART_OTP_WEBHOOK_URL is required in production mode (codes must leave the system)"
    })
  })
)

/** The Argon2id cost from `ServerConfig`. */
export const layerPasswordCost = Layer.effect(PasswordCostConfig, Effect.map(ServerConfig, (config) => config.passwordCost))

/** The crypto services over the configured keys. */
export const layerCrypto = Layer.mergeAll(
  Hmac.Default,
  SecretBox.Default,
  IdTokens.Default.pipe(Layer.provide(layerIdTokenSettings))
).pipe(Layer.provideMerge(layerKeys), Layer.provideMerge(Layer.mergeAll(RandomTokens.Default, Passwords.Default.pipe(Layer.provide(layerPasswordCost)), Totp.Default)))

/** Every domain service of the server, over `ServerConfig` (store, keys, crypto, delivery included). */
export const layerServices = Layer.mergeAll(
  Accounts.Default,
  OtpMethods.Default,
  OtpChallenges.Default,
  Partners.Default,
  Sandbox.Default,
  UsersRepo.Default,
  StoreHealth.Default
).pipe(Layer.provideMerge(layerOtpSender), Layer.provideMerge(layerCrypto), Layer.provideMerge(layerStore))
