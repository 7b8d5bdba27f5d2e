/**
 * The one failure a `rampart` command reports itself: a message the user can act on, printed as a
 * single line on stderr before the process exits with code 1.
 */
import { ConfigError, Schema } from "effect"

/** A command-line failure (bad secret, bad option, unreachable server, refused login): one line, exit 1. */
export class CliError extends Schema.TaggedError<CliError>()("CliError", { message: Schema.String }) {}

/** `text` on one line: runs of whitespace (newlines included) become one space. */
export const oneLine = (text: string): string => text.replace(/\s+/g, " ").trim()

/** A `ConfigError` as one line naming each variable, e.g. `RAMPART_CLIENT_ID is not set`. */
export const describeConfigError = (error: ConfigError.ConfigError): string => {
  const problems = ConfigError.reduceWithContext<undefined, ReadonlyArray<string>>(error, undefined, {
    andCase: (_, left, right) => [...left, ...right],
    orCase: (_, left, right) => [...left, ...right],
    invalidDataCase: (_, path, message) => [`${path.join(".")}: ${message}`],
    missingDataCase: (_, path) => [`${path.join(".")} is not set`],
    sourceUnavailableCase: (_, path, message) => [`${path.join(".")}: ${message}`],
    unsupportedCase: (_, path, message) => [`${path.join(".")}: ${message}`]
  })
  return oneLine([...new Set(problems)].join("; "))
}
