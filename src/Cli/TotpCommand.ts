/**
 * `rampart totp SECRET [--now ISO-8601|@unix-seconds | --url URL] [--digits N] [--period S] [--algorithm A]`:
 * prints the TOTP code of a base32 secret exactly as `oathtool --totp[=A] -b [--digits=N]
 * [--time-step-size=Ss] [--now=...] SECRET` prints it: the code and a newline. `--url` computes it
 * for a sandbox's current time (`GET /sandbox/clock`), as `--now` with that time would.
 */
import { Args, Command, Options } from "@effect/cli"
import * as Clock from "effect/Clock"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { readFileSync } from "node:fs"
import { MAX_TOTP_PERIOD, type TotpAlgorithm, totpAt, type TotpOptions } from "../Totp.js"
import { CliError } from "./CliError.js"
import { parseNow } from "./TotpTime.js"

/** The digit counts oathtool supports ("only digits 6, 7 and 8 are supported"). */
const TOTP_CODE_DIGITS = [6, 7, 8] as const

/** Code length: 6, 7 or 8. */
type TotpCodeDigits = NonNullable<TotpOptions["digits"]>

/** The command line of `rampart totp`; numbers stay text so that their errors name the option. */
export interface TotpArgs {
  readonly secret: Redacted.Redacted<string>
  readonly now: Option.Option<string>
  /** A sandbox server whose current time the code is for (instead of `now`). */
  readonly url: Option.Option<string>
  readonly digits: string
  readonly period: string
  readonly algorithm: TotpAlgorithm
}

/**
 * The secret itself, or — like oathtool — the first line of stdin for `-` or of FILE for `@FILE`,
 * which keeps the secret out of the process list and the shell history.
 */
const readSecret = (secret: Redacted.Redacted<string>): Effect.Effect<Redacted.Redacted<string>, CliError> => {
  const text = Redacted.value(secret)
  if (text !== "-" && !text.startsWith("@")) return Effect.succeed(secret)
  const source = text === "-" ? "stdin" : text.slice(1)
  return Effect.try({
    try: () => readFileSync(text === "-" ? 0 : source, "utf8"),
    catch: (error) =>
      new CliError({
        message: `cannot read the secret from ${source}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`
      })
  }).pipe(
    Effect.filterOrFail(
      (content) => content.length > 0,
      () => new CliError({ message: `cannot read the secret from ${source}: it is empty` })
    ),
    Effect.map((content) => Redacted.make(content.split("\n", 1)[0]!))
  )
}

const isDigits = (n: number): n is TotpCodeDigits => (TOTP_CODE_DIGITS as ReadonlyArray<number>).includes(n)

/** A whole number written as oathtool reads one (`6`, `06`, `+6`); `NaN` otherwise. */
const wholeNumber = (text: string): number => (/^\s*\+?\d+\s*$/.test(text) ? Number(text) : Number.NaN)

/** Whole Unix seconds of a sandbox's current time; the client modules load only when `--url` is given. */
const sandboxSeconds = (url: string): Effect.Effect<bigint, CliError> =>
  Effect.flatMap(Effect.promise(() => import("./TotpSandboxTime.js")), (module) => module.sandboxSeconds(url))

/** Whole Unix seconds now, from Effect's `Clock`. */
const currentSeconds = Effect.map(Clock.currentTimeMillis, (millis) => BigInt(Math.floor(millis / 1000)))

/** The code `rampart totp` prints for `args` (without the newline). */
export const totpFor = (args: TotpArgs): Effect.Effect<string, CliError> =>
  Effect.gen(function*() {
    const digits = wholeNumber(args.digits)
    if (!isDigits(digits)) return yield* new CliError({ message: "--digits must be 6, 7 or 8" })
    const period = wholeNumber(args.period)
    if (!(period >= 1 && period <= MAX_TOTP_PERIOD)) {
      return yield* new CliError({ message: `--period must be a whole number of seconds from 1 to ${MAX_TOTP_PERIOD}` })
    }
    if (Option.isSome(args.now) && Option.isSome(args.url)) {
      return yield* new CliError({
        message: "--now and --url cannot be used together: --url takes the time from the sandbox"
      })
    }
    const epochSeconds = Option.isSome(args.now)
      ? yield* Either.match(parseNow(args.now.value), { onLeft: Effect.fail, onRight: Effect.succeed })
      : Option.isSome(args.url)
      ? yield* sandboxSeconds(args.url.value)
      : yield* currentSeconds
    const secret = yield* readSecret(args.secret)
    // Whole seconds up to the year 9999 (parseNow's limit) are exact as a number.
    return yield* Either.match(totpAt(secret, Number(epochSeconds), { digits, period, algorithm: args.algorithm }), {
      onLeft: (error) => Effect.fail(new CliError({ message: error.message })),
      onRight: Effect.succeed
    })
  })

/** `rampart totp`. */
export const totpCommand = Command.make(
  "totp",
  {
    secret: Args.redacted({ name: "SECRET" }).pipe(
      Args.withDescription(
        "The base32 secret (case, spaces and padding as oathtool -b accepts them); - reads it from stdin, @FILE from a file"
      )
    ),
    now: Options.text("now").pipe(
      Options.withPseudoName("ISO-8601|@unix-seconds"),
      Options.optional,
      Options.withDescription(
        "The time to compute the code for: ISO-8601 (2026-01-01T00:00:00Z; local time without a zone) or @unix-seconds; default: now"
      )
    ),
    url: Options.text("url").pipe(
      Options.withPseudoName("URL"),
      Options.optional,
      Options.withDescription(
        "A sandbox server (e.g. http://127.0.0.1:8080): the code for its current time, GET /sandbox/clock, which moves with POST /sandbox/clock; not with --now"
      )
    ),
    digits: Options.text("digits").pipe(
      Options.withPseudoName("N"),
      Options.withDefault("6"),
      Options.withDescription("Code length: 6, 7 or 8")
    ),
    period: Options.text("period").pipe(
      Options.withPseudoName("S"),
      Options.withDefault("30"),
      Options.withDescription(`Time step in whole seconds, 1 to ${MAX_TOTP_PERIOD}`)
    ),
    algorithm: Options.choice("algorithm", ["sha1", "sha256", "sha512"]).pipe(
      Options.withDefault("sha1" as const),
      Options.withDescription("HMAC hash")
    )
  },
  (args) => Effect.flatMap(totpFor(args), (code) => Console.log(code))
).pipe(Command.withDescription("Print the TOTP code of a base32 secret, as `oathtool --totp -b SECRET` does"))
