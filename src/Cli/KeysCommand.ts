/**
 * `rampart keys [--env] [--rotate]`: prints a fresh `RAMPART_SECRET_KEY` and `RAMPART_SIGNING_KEY`
 * for production, as one JSON object, or with `--env` as `KEY='value'` lines that a shell (`eval`,
 * `source`), Node's `--env-file` and dotenv all read. With `--rotate` it reads the current
 * `RAMPART_SIGNING_KEY` (and `RAMPART_PREVIOUS_SIGNING_KEYS`) from the environment and prints the
 * next pair: a new signing key, and the previous keys led by the current one's public half, so a
 * restarted server signs with the new key and still verifies every token of the old one.
 */
import { Command, Options } from "@effect/cli"
import * as Config from "effect/Config"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { describeConfigError } from "../internal/OneLine.js"
import { generateServerKeys, rotateSigningVariables } from "../Server/Keys.js"
import { CliError } from "./CliError.js"

/** Named variables, in the order they are printed. */
type Variables = ReadonlyArray<readonly [string, string]>

/** Variables as `rampart keys` prints them: JSON, or (`env`) single-quoted `KEY='value'` lines. */
export const formatVariables = (variables: Variables, env: boolean): string =>
  env
    ? variables.map(([name, value]) => `${name}='${value}'`).join("\n")
    : JSON.stringify(Object.fromEntries(variables), null, 2)

/** The current signing variables `--rotate` starts from. */
const currentSigningVariables = Config.all({
  signingKey: Config.redacted("RAMPART_SIGNING_KEY"),
  previousSigningKeys: Config.option(Config.redacted("RAMPART_PREVIOUS_SIGNING_KEYS"))
})

/** The next signing variables, from the environment's current ones. */
const rotated: Effect.Effect<Variables, CliError> = Effect.gen(function*() {
  const current = yield* Effect.mapError(
    currentSigningVariables,
    (error) => new CliError({ message: `keys --rotate reads the current keys: ${describeConfigError(error)}` })
  )
  const next = yield* Effect.mapError(
    rotateSigningVariables(current.signingKey, current.previousSigningKeys),
    (error) => new CliError({ message: error.message })
  )
  return [["RAMPART_SIGNING_KEY", next.signingKey], ["RAMPART_PREVIOUS_SIGNING_KEYS", next.previousSigningKeys]]
})

/** Fresh production keys. */
const fresh: Effect.Effect<Variables> = Effect.sync(() => {
  const keys = generateServerKeys()
  return [["RAMPART_SECRET_KEY", keys.secretKey], ["RAMPART_SIGNING_KEY", keys.signingKey]]
})

/** `rampart keys`. */
export const keysCommand = Command.make(
  "keys",
  {
    env: Options.boolean("env").pipe(
      Options.withDescription("Print KEY='value' lines (for a .env file or eval) instead of JSON")
    ),
    rotate: Options.boolean("rotate").pipe(
      Options.withDescription(
        "Print the next RAMPART_SIGNING_KEY and RAMPART_PREVIOUS_SIGNING_KEYS from the current ones in the environment"
      )
    )
  },
  ({ env, rotate }) =>
    Effect.flatMap(rotate ? rotated : fresh, (variables) => Console.log(formatVariables(variables, env)))
).pipe(
  Command.withDescription(
    "Print fresh production keys: RAMPART_SECRET_KEY (32 bytes, base64) and RAMPART_SIGNING_KEY (Ed25519 private JWK); " +
      "--rotate: the next signing key, the current one kept as a previous key"
  )
)
