/**
 * The server's configuration, read from the environment with Effect `Config` (the only place that
 * reads it): address, store, mode, token issuer, keys and OTP delivery (webhook, SMTP).
 */
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { owaspPasswordCost, type PasswordCost } from "./Crypto/Passwords.js"
import { type ConnectionLimits, defaultConnectionLimits } from "./Http/Transport/ConnectionLimits.js"
import { defaultDeliveryTimeout } from "./Otp/Delivery.js"

/** `sandbox` (the default: demo data, sandbox routes, generated keys) or `production`. */
export type ServerMode = "sandbox" | "production"

/** The HTTP transport: `fast` (the lean node:http server, the default) or `platform` (`NodeHttpServer` of @effect/platform-node). */
export type HttpTransport = "platform" | "fast"

/** `RAMPART_LOG_FORMAT`: one line per request as readable `text` (the default), as `json`, or `off`. */
export type RequestLogFormat = "text" | "json" | "off"

/** The OTLP/HTTP encodings of spans (`OTEL_EXPORTER_OTLP_PROTOCOL`; gRPC is not supported). */
export type OtlpProtocol = "http/protobuf" | "http/json"

/** Where and how spans are exported over OTLP/HTTP, from the standard `OTEL_*` variables. */
export interface OtlpSettings {
  /** `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as is, else `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`. */
  readonly tracesUrl: string
  /** `OTEL_SERVICE_NAME`, default `rampart`. */
  readonly serviceName: string
  /** `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`, else `OTEL_EXPORTER_OTLP_PROTOCOL`, default `http/protobuf` (the spec's). */
  readonly protocol: OtlpProtocol
  /** `OTEL_EXPORTER_OTLP_TRACES_HEADERS`, else `OTEL_EXPORTER_OTLP_HEADERS` (`name=value,...`, often an API key). */
  readonly headers: Redacted.Redacted<Record<string, string>>
  /** `OTEL_BSP_SCHEDULE_DELAY`: milliseconds between exports, default 5000 (the spec's). */
  readonly exportIntervalMs: number
}

/** An OTLP URL variable: unset or empty is none (as the spec says), else it must be an http(s) URL. */
const otlpUrl = (name: string) =>
  Config.string(name).pipe(
    Config.withDefault(""),
    Config.mapOrFail((value) => {
      const trimmed = value.trim()
      if (trimmed === "") return Either.right(Option.none<string>())
      return URL.canParse(trimmed) && /^https?:$/.test(new URL(trimmed).protocol)
        ? Either.right(Option.some(trimmed))
        : Either.left(ConfigError.InvalidData([name], "must be an http:// or https:// URL"))
    })
  )

/** An OTLP variable with a traces-specific override (`OTEL_EXPORTER_OTLP_TRACES_X` over `OTEL_EXPORTER_OTLP_X`). */
const otlpOption = <A>(config: (name: string) => Config.Config<A>, suffix: string) =>
  Config.all([
    Config.option(config(`OTEL_EXPORTER_OTLP_TRACES_${suffix}`)),
    Config.option(config(`OTEL_EXPORTER_OTLP_${suffix}`))
  ]).pipe(
    Config.map(([traces, all]) => Option.orElse(traces, () => all))
  )

/** `name=value,...` as the OTel spec writes headers (values URL-encoded); malformed entries are skipped. */
const otlpHeaders = (text: string): Record<string, string> => {
  const headers: Record<string, string> = {}
  for (const entry of text.split(",")) {
    const at = entry.indexOf("=")
    if (at <= 0) continue
    try {
      headers[entry.slice(0, at).trim().toLowerCase()] = decodeURIComponent(entry.slice(at + 1).trim())
    } catch {
      continue
    }
  }
  return headers
}

/** The OTLP export settings; none unless an OTLP endpoint variable is set. */
const otlpSettings: Config.Config<Option.Option<OtlpSettings>> = Config.all({
  traces: otlpUrl("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"),
  base: otlpUrl("OTEL_EXPORTER_OTLP_ENDPOINT"),
  serviceName: Config.string("OTEL_SERVICE_NAME").pipe(
    Config.withDefault(""),
    Config.map((name) => (name.trim() === "" ? "rampart" : name.trim()))
  ),
  protocol: otlpOption((name) => Config.literal("http/protobuf", "http/json")(name), "PROTOCOL"),
  headers: otlpOption((name) => Config.redacted(name), "HEADERS"),
  exportIntervalMs: Config.integer("OTEL_BSP_SCHEDULE_DELAY").pipe(Config.withDefault(5000))
}).pipe(
  Config.map((otlp) =>
    Option.map(
      Option.orElse(otlp.traces, () => Option.map(otlp.base, (base) => `${base.replace(/\/+$/, "")}/v1/traces`)),
      (tracesUrl): OtlpSettings => ({
        tracesUrl,
        serviceName: otlp.serviceName,
        protocol: Option.getOrElse(otlp.protocol, () => "http/protobuf" as const),
        headers: Redacted.make(
          Option.match(otlp.headers, { onNone: () => ({}), onSome: (text) => otlpHeaders(Redacted.value(text)) })
        ),
        exportIntervalMs: otlp.exportIntervalMs
      })
    )
  )
)

/** Everything the server reads from its environment. */
export interface ServerSettings {
  readonly host: string
  readonly port: number
  readonly databaseUrl: string
  readonly mode: ServerMode
  readonly issuer: string
  /** The audiences idTokens are issued for (`RAMPART_AUDIENCE`, comma-separated; default `rampart`). */
  readonly audiences: ReadonlyArray<string>
  readonly secretKey: Option.Option<Redacted.Redacted<string>>
  readonly signingKey: Option.Option<Redacted.Redacted<string>>
  /** Keys that signed before `signingKey` and still verify (`RAMPART_PREVIOUS_SIGNING_KEYS`, a JSON array of JWKs). */
  readonly previousSigningKeys: Option.Option<Redacted.Redacted<string>>
  readonly otpWebhookUrl: Option.Option<string>
  /** Where EMAIL codes are sent by SMTP (`RAMPART_SMTP_URL`, `smtp://` or `smtps://`, may hold credentials), or none. */
  readonly smtpUrl: Option.Option<Redacted.Redacted<URL>>
  /** The `From` of code emails (`RAMPART_MAIL_FROM`, default `Rampart <no-reply@localhost>`). */
  readonly mailFrom: string
  /** The bound on one delivery by webhook or SMTP: 10 s, lowered only by test configuration (not from the environment). */
  readonly deliveryTimeout: Duration.Duration
  /** Where the security events are posted (`RAMPART_EVENTS_WEBHOOK_URL`), signed with `eventsWebhookSecret`; or nowhere. */
  readonly eventsWebhook: Option.Option<{ readonly url: string; readonly secret: Redacted.Redacted<string> }>
  /** How long security events are kept (`RAMPART_EVENTS_RETENTION_DAYS`, default 90; 0 keeps them forever). */
  readonly eventsRetentionDays: number
  /** How often the pruner runs (60 s; lowered only by test configuration). */
  readonly pruneInterval: Duration.Duration
  /** The server socket's timeouts and caps (`RAMPART_MAX_CONNECTIONS`, `RAMPART_MAX_IN_FLIGHT`; the timeouts lowered only by tests). */
  readonly connectionLimits: ConnectionLimits
  /** The bound on one store call: connecting, waiting for a connection, one statement (`RAMPART_STORE_TIMEOUT`, seconds, default 5). */
  readonly storeTimeout: Duration.Duration
  /** How long a shutdown lets the requests in flight finish (`RAMPART_SHUTDOWN_TIMEOUT`, seconds, default 10). */
  readonly shutdownTimeout: Duration.Duration
  /** The feed's timing: defaults (`defaultEventFeedTiming`), lowered only by test configuration. */
  readonly eventFeedTiming: EventFeedTiming
  readonly stateDirectory: string
  /** Argon2id cost of new password hashes: OWASP's, lowered only by test configuration (not from the environment). */
  readonly passwordCost: PasswordCost
  /** Which HTTP server serves the routes (`RAMPART_HTTP`, default `fast`: same routes, handlers and errors, less CPU per request). */
  readonly http: HttpTransport
  /** Whether Effect spans are recorded (`RAMPART_TRACING`) for a tracer the embedding program installs; implied by `otlp`. */
  readonly tracing: boolean
  /** `RAMPART_SEED`: a JSON file of the users and partners the sandbox creates at start and at every reset. */
  readonly seedFile: Option.Option<string>
  /** Where spans are exported over OTLP/HTTP (`OTEL_EXPORTER_OTLP_ENDPOINT` and the other standard variables), or nowhere. */
  readonly otlp: Option.Option<OtlpSettings>
  /** The per-request log line (`RAMPART_LOG_FORMAT`: `text`, the default, `json` or `off`). */
  readonly logFormat: RequestLogFormat
}

/** How the security-event feed paces itself. */
export interface EventFeedTiming {
  /** How often the store is read for new events. */
  readonly pollInterval: Duration.Duration
  /** How long a sender's lease lasts (renewed at every poll). */
  readonly lease: Duration.Duration
  /** The bound on one POST to the receiver. */
  readonly requestTimeout: Duration.Duration
  /** The first wait after a failed delivery; doubled at each failure up to `maxBackoff`. */
  readonly backoff: Duration.Duration
  /** The longest wait between two attempts. */
  readonly maxBackoff: Duration.Duration
  /** The most events in one POST. */
  readonly batchSize: number
}

/** The feed's defaults: a poll a second, a 30 s lease, 10 s per POST, backoff 1 s doubling to 60 s, 100 events a batch. */
export const defaultEventFeedTiming: EventFeedTiming = {
  pollInterval: Duration.seconds(1),
  lease: Duration.seconds(30),
  requestTimeout: Duration.seconds(10),
  backoff: Duration.seconds(1),
  maxBackoff: Duration.seconds(60),
  batchSize: 100
}

/** `RAMPART_EVENTS_WEBHOOK_URL` with its secret: both or neither; the refusal names the missing variable. */
const eventsWebhookSettings = Config.all({
  url: Config.option(Config.url("RAMPART_EVENTS_WEBHOOK_URL").pipe(Config.map((u) => u.toString()))),
  secret: Config.option(Config.redacted("RAMPART_EVENTS_WEBHOOK_SECRET"))
}).pipe(
  Config.mapOrFail(({ secret, url }) =>
    Option.isNone(url)
      ? Either.right(Option.none())
      : Option.isNone(secret) || Redacted.value(secret.value).length < 16
      ? Either.left(
        ConfigError.InvalidData(
          ["RAMPART_EVENTS_WEBHOOK_SECRET"],
          "is required (16 characters or more) when RAMPART_EVENTS_WEBHOOK_URL is set: it signs every delivery"
        )
      )
      : Either.right(Option.some({ url: url.value, secret: secret.value }))
  )
)

/** The server's settings as a service. */
export class ServerConfig extends Context.Tag("Rampart/ServerConfig")<ServerConfig, ServerSettings>() {}

/** The default `From` of code emails: a no-reply address that names the sender. */
export const defaultMailFrom = "Rampart <no-reply@localhost>"

/** Parses the `smtp://` / `smtps://` URL of `variable`; the refusal names the variable, never the value (it may hold a password). */
const smtpUrl =
  (variable: string) =>
  (value: Redacted.Redacted<string>): Either.Either<Redacted.Redacted<URL>, ConfigError.ConfigError> => {
    const url = URL.canParse(Redacted.value(value)) ? new URL(Redacted.value(value)) : undefined
    return url !== undefined && (url.protocol === "smtp:" || url.protocol === "smtps:") && url.hostname !== ""
      ? Either.right(Redacted.make(url))
      : Either.left(
        ConfigError.InvalidData(
          [variable],
          "must be an smtp://host:port or smtps://host:port URL (credentials optional)"
        )
      )
  }

/** A whole number of seconds from `min` to `max` in `variable`, `fallback` when unset. */
const seconds = (variable: string, fallback: number, min: number, max: number): Config.Config<Duration.Duration> =>
  Config.integer(variable).pipe(
    Config.validate({
      message: `must be a whole number of seconds from ${min} to ${max}`,
      validation: (n) => n >= min && n <= max
    }),
    Config.withDefault(fallback),
    Config.map(Duration.seconds)
  )

/** The `Config` description of the settings, with SPEC's defaults. */
export const serverSettings: Config.Config<ServerSettings> = Config.all({
  host: Config.string("RAMPART_HOST").pipe(Config.withDefault("127.0.0.1")),
  port: Config.port("RAMPART_PORT").pipe(Config.withDefault(8080)),
  databaseUrl: Config.string("RAMPART_DATABASE_URL").pipe(Config.withDefault("sqlite:.rampart/rampart.db")),
  mode: Config.literal("sandbox", "production")("RAMPART_MODE").pipe(Config.withDefault("sandbox" as const)),
  issuer: Config.string("RAMPART_ISSUER").pipe(Config.withDefault("rampart")),
  audiences: Config.string("RAMPART_AUDIENCE").pipe(
    Config.withDefault("rampart"),
    Config.mapOrFail((text) => {
      const audiences = text.split(",").map((audience) => audience.trim()).filter((audience) => audience.length > 0)
      return audiences.length > 0 && audiences.every((audience) => audience.length <= 256)
        ? Either.right(audiences)
        : Either.left(ConfigError.InvalidData(["RAMPART_AUDIENCE"], "must name one or more audiences, comma-separated"))
    })
  ),
  secretKey: Config.option(Config.redacted("RAMPART_SECRET_KEY")),
  signingKey: Config.option(Config.redacted("RAMPART_SIGNING_KEY")),
  previousSigningKeys: Config.option(Config.redacted("RAMPART_PREVIOUS_SIGNING_KEYS")),
  otpWebhookUrl: Config.option(Config.url("RAMPART_OTP_WEBHOOK_URL").pipe(Config.map((u) => u.toString()))),
  smtpUrl: Config.option(Config.redacted("RAMPART_SMTP_URL").pipe(Config.mapOrFail(smtpUrl("RAMPART_SMTP_URL")))),
  mailFrom: Config.nonEmptyString("RAMPART_MAIL_FROM").pipe(Config.withDefault(defaultMailFrom)),
  deliveryTimeout: Config.succeed(defaultDeliveryTimeout),
  eventsWebhook: eventsWebhookSettings,
  eventFeedTiming: Config.succeed(defaultEventFeedTiming),
  eventsRetentionDays: Config.integer("RAMPART_EVENTS_RETENTION_DAYS").pipe(
    Config.validate({
      message: "must be a whole number of days from 0 (keep forever) to 36500",
      validation: (days) => days >= 0 && days <= 36_500
    }),
    Config.withDefault(90)
  ),
  pruneInterval: Config.succeed(Duration.seconds(60)),
  connectionLimits: Config.all({
    maxConnections: Config.integer("RAMPART_MAX_CONNECTIONS").pipe(
      Config.validate({
        message: "must be a whole number of connections from 16 to 1000000",
        validation: (n) => n >= 16 && n <= 1_000_000
      }),
      Config.withDefault(defaultConnectionLimits.maxConnections)
    ),
    maxInFlight: Config.integer("RAMPART_MAX_IN_FLIGHT").pipe(
      Config.validate({
        message: "must be a whole number of requests from 1 to 1000000",
        validation: (n) => n >= 1 && n <= 1_000_000
      }),
      Config.withDefault(defaultConnectionLimits.maxInFlight)
    )
  }).pipe(Config.map((caps): ConnectionLimits => ({ ...defaultConnectionLimits, ...caps }))),
  storeTimeout: seconds("RAMPART_STORE_TIMEOUT", 5, 1, 600),
  shutdownTimeout: seconds("RAMPART_SHUTDOWN_TIMEOUT", 10, 0, 3600),
  stateDirectory: Config.string("RAMPART_STATE_DIR").pipe(Config.withDefault(".rampart")),
  passwordCost: Config.succeed(owaspPasswordCost),
  http: Config.literal("fast", "platform")("RAMPART_HTTP").pipe(Config.withDefault("fast" as const)),
  tracing: Config.boolean("RAMPART_TRACING").pipe(Config.withDefault(false)),
  seedFile: Config.option(Config.nonEmptyString("RAMPART_SEED")),
  otlp: otlpSettings,
  logFormat: Config.literal("text", "json", "off")("RAMPART_LOG_FORMAT").pipe(Config.withDefault("text" as const))
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
