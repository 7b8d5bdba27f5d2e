/**
 * What `rampart partner-login` runs (loaded only then): logs a KriptoAPI partner in with the
 * credentials in the environment and the current TOTP `security_code` of its secret, and prints
 * the token response as JSON (`{"access_token":"...","expires_in":3600}`), ready for
 * `jq -r .access_token`. A code is single-use: a second login within the same 30 s step is refused
 * with `InvalidOtp`.
 *
 * Environment: `RAMPART_URL` (default http://127.0.0.1:8080), `RAMPART_PARTNER_EMAIL`,
 * `RAMPART_PARTNER_PASSWORD`, `RAMPART_CLIENT_ID`, `RAMPART_CLIENT_SECRET`, `RAMPART_TOTP_SECRET`
 * and optionally `RAMPART_EXPIRES_IN` (1..3600 seconds). Secrets stay `Redacted` until sent.
 */
import { FetchHttpClient, HttpApiClient } from "@effect/platform"
import { Clock, Config, Console, Effect, Either, Option, ParseResult, Redacted, Schema } from "effect"
import { RampartApi } from "../Api/RampartApi.js"
import { PartnerLoginRequest, PartnerLoginResponse } from "../Domain/Partner.js"
import { describeConfigError, oneLine } from "../Server/StartFailure.js"
import { CliError } from "./CliError.js"
import { decodeBase32Secret, totpCode } from "./TotpCode.js"

/** What `rampart partner-login` reads from the environment. */
export const partnerLoginSettings = Config.all({
  url: Config.url("RAMPART_URL").pipe(Config.withDefault(new URL("http://127.0.0.1:8080"))),
  email: Config.string("RAMPART_PARTNER_EMAIL"),
  password: Config.redacted("RAMPART_PARTNER_PASSWORD"),
  clientId: Config.integer("RAMPART_CLIENT_ID"),
  clientSecret: Config.redacted("RAMPART_CLIENT_SECRET"),
  totpSecret: Config.redacted("RAMPART_TOTP_SECRET"),
  expiresIn: Config.option(Config.integer("RAMPART_EXPIRES_IN"))
})

/** The variable each request field comes from, to name it when the request is refused locally. */
const fieldVariables: Record<string, string> = {
  email: "RAMPART_PARTNER_EMAIL",
  password: "RAMPART_PARTNER_PASSWORD",
  client_id: "RAMPART_CLIENT_ID",
  client_secret: "RAMPART_CLIENT_SECRET",
  security_code: "RAMPART_TOTP_SECRET",
  expires_in: "RAMPART_EXPIRES_IN"
}

/** The request, validated here so a bad variable is named instead of sent. */
const makeRequest = (fields: ConstructorParameters<typeof PartnerLoginRequest>[0]) =>
  Effect.try({
    try: () => new PartnerLoginRequest(fields),
    catch: (error) => {
      if (!ParseResult.isParseError(error)) return new CliError({ message: oneLine(String(error)) })
      const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
      return new CliError({
        message: oneLine(
          issues.map((issue) => `${fieldVariables[String(issue.path[0])] ?? issue.path.join(".")}: ${issue.message}`).join("; ")
        )
      })
    }
  })

/** The secret's current 6-digit SHA-1 30 s code, from Effect's `Clock`. */
const securityCode = (secret: Redacted.Redacted<string>) =>
  Effect.flatMap(Clock.currentTimeMillis, (millis) =>
    Either.match(decodeBase32Secret(Redacted.value(secret)), {
      onLeft: (error) => Effect.fail(new CliError({ message: `RAMPART_TOTP_SECRET: ${error.message}` })),
      onRight: (key) =>
        Effect.succeed(
          totpCode({ key, epochSeconds: BigInt(Math.floor(millis / 1000)), digits: 6, period: 30, algorithm: "sha1" })
        )
    })
  )

/** One line for each way the login can fail: the server's typed errors and transport failures. */
const describeLoginError = (url: URL) => (error: { readonly _tag: string; readonly message: string }): CliError => {
  switch (error._tag) {
    case "RequestError":
      return new CliError({ message: oneLine(`cannot reach ${url.origin}: ${error.message}${causeOf(error)}`) })
    case "ResponseError":
    case "ParseError":
      return new CliError({ message: oneLine(`unexpected response from ${url.origin}: ${error.message}`) })
    case "AttemptsExhausted": {
      const retry = (error as { readonly retryAfterSeconds?: number }).retryAfterSeconds
      return new CliError({ message: oneLine(`${error._tag}: ${error.message}${retry === undefined ? "" : ` (retry after ${retry} s)`}`) })
    }
    default:
      return new CliError({ message: oneLine(`${error._tag}: ${error.message}`) })
  }
}

/** The innermost cause of a transport error (e.g. `ECONNREFUSED`), which fetch hides. */
const causeOf = (error: unknown): string => {
  let cause = (error as { cause?: unknown }).cause
  let last = ""
  for (let depth = 0; cause instanceof Error && depth < 5; depth++) {
    last = (cause as NodeJS.ErrnoException).code ?? cause.message
    cause = cause.cause
  }
  return last === "" ? "" : ` (${last})`
}

/** Logs the partner in and prints the token response. */
export const partnerLogin: Effect.Effect<void, CliError> = Effect.gen(function* () {
  const settings = yield* Effect.mapError(partnerLoginSettings, (error) => new CliError({ message: describeConfigError(error) }))
  const security_code = yield* securityCode(settings.totpSecret)
  const payload = yield* makeRequest({
    email: settings.email,
    password: settings.password,
    client_id: settings.clientId,
    client_secret: settings.clientSecret,
    security_code,
    ...Option.match(settings.expiresIn, { onNone: () => ({}), onSome: (expires_in) => ({ expires_in }) })
  })
  const client = yield* HttpApiClient.make(RampartApi, { baseUrl: settings.url })
  const response = yield* client.partners.login({ payload }).pipe(Effect.mapError(describeLoginError(settings.url)))
  yield* Console.log(JSON.stringify(Schema.encodeSync(PartnerLoginResponse)(response)))
}).pipe(Effect.provide(FetchHttpClient.layer))
