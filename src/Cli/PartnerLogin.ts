/**
 * What `rampart partner-login` runs (loaded only then): logs a KriptoAPI partner in with the
 * credentials in the environment and the current TOTP `security_code` of its secret, and prints
 * the token response as JSON (`{"access_token":"...","expires_in":3600}`), ready for
 * `jq -r .access_token`. A code is single-use: a login whose code's 30 s step was already used (by
 * another client, e.g. `curl` with `oathtool` a moment before) is refused with `InvalidOtp`. As
 * `PartnerSession` does, the command then says so in one line on stderr, waits for the next step,
 * and tries once more with a fresh code; a second refusal is the usual one-line error (exit 1).
 *
 * Environment: `RAMPART_URL` (default http://127.0.0.1:8080), `RAMPART_PARTNER_EMAIL`,
 * `RAMPART_PARTNER_PASSWORD`, `RAMPART_CLIENT_ID`, `RAMPART_CLIENT_SECRET`, `RAMPART_TOTP_SECRET`
 * and optionally `RAMPART_EXPIRES_IN` (1..3600 seconds). Secrets stay `Redacted` until sent. The
 * request goes through the typed `AuthClient` over fetch, which never repeats a partner login.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Clock from "effect/Clock"
import * as Config from "effect/Config"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { AuthClient } from "../Client/AuthClient.js"
import { PartnerLoginRequest, PartnerLoginResponse } from "../Domain/Partner.js"
import { describeConfigError, oneLine } from "../internal/OneLine.js"
import { millisUntilStepAfter, TOTP_PERIOD_SECONDS, totpAt, waitForStepAfter } from "../Totp.js"
import { describeClientFailure } from "./ClientFailure.js"
import { CliError } from "./CliError.js"

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
          issues.map((issue) => `${fieldVariables[String(issue.path[0])] ?? issue.path.join(".")}: ${issue.message}`)
            .join("; ")
        )
      })
    }
  })

/** The secret's current 6-digit SHA-1 30 s code, from Effect's `Clock`, and the step it belongs to. */
const securityCode = (secret: Redacted.Redacted<string>) =>
  Effect.flatMap(Clock.currentTimeMillis, (millis) =>
    Either.match(totpAt(secret, Math.floor(millis / 1000)), {
      onLeft: (error) => Effect.fail(new CliError({ message: `RAMPART_TOTP_SECRET: ${error.message}` })),
      onRight: (code) => Effect.succeed({ code, step: Math.floor(millis / 1000 / TOTP_PERIOD_SECONDS) })
    }))

/** One line for each way the login can fail: the server's typed errors and transport failures. */
const describeLoginError = (url: URL) => (error: { readonly _tag: string; readonly message: string }): CliError => {
  const failure = describeClientFailure(url.origin, error)
  if (Option.isSome(failure)) return new CliError({ message: failure.value })
  switch (error._tag) {
    case "AttemptsExhausted": {
      const retry = (error as { readonly retryAfterSeconds?: number }).retryAfterSeconds
      return new CliError({
        message: oneLine(`${error._tag}: ${error.message}${retry === undefined ? "" : ` (retry after ${retry} s)`}`)
      })
    }
    default:
      return new CliError({ message: oneLine(`${error._tag}: ${error.message}`) })
  }
}

/** Logs the partner in and prints the token response. */
export const partnerLogin: Effect.Effect<void, CliError> = Effect.gen(function*() {
  const settings = yield* Effect.mapError(
    partnerLoginSettings,
    (error) => new CliError({ message: describeConfigError(error) })
  )
  const first = yield* securityCode(settings.totpSecret)
  const client = yield* Effect.provide(AuthClient, AuthClient.layerWithHttpClient({ baseUrl: settings.url }))
  const login = (security_code: string) =>
    Effect.flatMap(
      makeRequest({
        email: settings.email,
        password: settings.password,
        client_id: settings.clientId,
        client_secret: settings.clientSecret,
        security_code,
        ...Option.match(settings.expiresIn, { onNone: () => ({}), onSome: (expires_in) => ({ expires_in }) })
      }),
      (payload) => client.partners.login({ payload })
    )
  // The server refuses a second code of one step (RFC 6238 §5.2), and another client may have
  // used this one: like PartnerSession, wait for the next step and try exactly once more.
  const retryOnNextStep = Effect.gen(function*() {
    const waitMs = millisUntilStepAfter(first.step, yield* Clock.currentTimeMillis)
    yield* Console.error(
      `security code refused (this 30 s step was already used?); retrying with the next step in ${
        Math.ceil(waitMs / 1000)
      } s`
    )
    yield* waitForStepAfter(first.step)
    return yield* login((yield* securityCode(settings.totpSecret)).code)
  })
  const response = yield* login(first.code).pipe(
    Effect.catchTag("InvalidOtp", () => retryOnNextStep),
    Effect.mapError((error) => (error._tag === "CliError" ? error : describeLoginError(settings.url)(error)))
  )
  yield* Console.log(JSON.stringify(Schema.encodeSync(PartnerLoginResponse)(response)))
}).pipe(Effect.provide(FetchHttpClient.layer))
