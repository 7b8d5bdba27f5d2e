/**
 * `rampart/server`: the reference server as Layers (HTTP, in-process, domain services without
 * HTTP), its configuration, its stores and the production keys. SQL drivers load only when a store
 * is built: better-sqlite3 (through `Store/SqliteStore.ts`) for `sqlite:` URLs, the optional `@effect/sql-pg`
 * for `postgres://`.
 */
export { Accounts } from "./Server/Accounts/Accounts.js"
export {
  layerServerConfig,
  layerServerConfigFromEnv,
  type OtlpSettings,
  type RequestLogFormat,
  ServerConfig,
  type ServerSettings
} from "./Server/Config.js"
export { IdTokens, IdTokenSettings } from "./Server/Crypto/IdTokens.js"
export { MasterKeyError } from "./Server/Crypto/MasterKey.js"
export { owaspPasswordCost, type PasswordCost, PasswordCostConfig, Passwords } from "./Server/Crypto/Passwords.js"
export { SigningKeyError } from "./Server/Crypto/SigningKey.js"
export type { EventSubject, Outcome } from "./Server/Events/EventReport.js"
export { type Origin, RequestOrigin } from "./Server/Events/RequestOrigin.js"
export { SecurityEvents, SUBSCRIBER_BUFFER } from "./Server/Events/SecurityEvents.js"
export {
  layerOtpVerification,
  layerPartnerAuthentication,
  layerUserAuthenticationInProcess
} from "./Server/Http/Authentication.js"
export { layerAuthHttp } from "./Server/Http/AuthHttp.js"
export { type EdgeOptions, layerServeWithEdge } from "./Server/Http/Edge.js"
export { layerOperationsHttp } from "./Server/Http/OperationsHttp.js"
export { layerOtpHttp } from "./Server/Http/OtpHttp.js"
export { layerPartnersHttp } from "./Server/Http/PartnersHttp.js"
export { layerApi, layerRoutes } from "./Server/Http/Routes.js"
export { layerSandboxHttp } from "./Server/Http/SandboxHttp.js"
export { layerInProcessServer, ServerUrl } from "./Server/InProcess.js"
export { generateServerKeys, MissingKeyError, type ServerKeys } from "./Server/Keys.js"
export {
  layerCrypto,
  layerOtpSender,
  layerServices,
  layerServicesOnSqlClient,
  layerStore,
  type RampartServices,
  type RampartStartError
} from "./Server/Layers.js"
export { MissingDriverError } from "./Server/OptionalPackage.js"
export {
  DeliveryError,
  layerOutboxSender,
  layerWebhookSender,
  makeWebhookSender,
  type OtpMessage,
  type OtpRoutes,
  OtpSender,
  type OtpSenderService,
  routeByChannel
} from "./Server/Otp/Delivery.js"
export { OtpChallenges } from "./Server/Otp/OtpChallenges.js"
export { OtpMethods } from "./Server/Otp/OtpMethods.js"
export { layerSmtpSender, makeSmtpSender, type SmtpSenderOptions } from "./Server/Otp/SmtpSender.js"
export { StepUp } from "./Server/Otp/StepUp.js"
export { Partners } from "./Server/Partners/Partners.js"
export { Faults } from "./Server/Sandbox/Faults.js"
export { Sandbox } from "./Server/Sandbox/Sandbox.js"
export { layerSandboxTime, SandboxClock } from "./Server/Sandbox/SandboxClock.js"
export { readSeedFile, SeedFile, SeedFileError } from "./Server/Sandbox/SeedFile.js"
export { layerSandboxSeed, SandboxSeed } from "./Server/Sandbox/SeedPlan.js"
export {
  launchServer,
  layerServer,
  makeServer,
  ServerDidNotStart,
  type ServerListen,
  type ServerOptions
} from "./Server/Server.js"
export { DatabaseUrlError, layerDatabase } from "./Server/Store/Database.js"
export { StoreHealth } from "./Server/Store/StoreHealth.js"
export { StoreInUseError } from "./Server/Store/StoreLock.js"
