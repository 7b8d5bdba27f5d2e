/**
 * Why the server did not start, as one line: configuration errors name each variable, typed
 * start-up failures (missing key, missing driver, unreachable store, port in use) give their
 * message. Used by `npm start` and `rampart serve`, so neither prints a stack for a user's mistake.
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

/** A start-up failure (the error channel of the server Layer) as one line. */
export const describeStartFailure = (error: unknown): string =>
  oneLine(
    ConfigError.isConfigError(error)
      ? describeConfigError(error)
      : typeof error === "object" && error !== null && "message" in error
      ? String((error as { readonly message: unknown }).message)
      : String(error)
  )
