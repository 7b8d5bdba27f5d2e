/**
 * Messages on one line, for the CLI's and the server's refusals: a user's mistake is one line
 * naming what is wrong (each variable of a configuration error), never a stack.
 */
import * as ConfigError from "effect/ConfigError"

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
