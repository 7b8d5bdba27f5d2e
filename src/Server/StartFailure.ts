/**
 * Why the server did not start, as one line: configuration errors name each variable, typed
 * start-up failures (missing key, missing driver, unreachable store, port in use) give their
 * message. Used by `npm start` and `rampart serve`, so neither prints a stack for a user's mistake.
 */
import * as ConfigError from "effect/ConfigError"
import { describeConfigError, oneLine } from "../internal/OneLine.js"

/** A start-up failure (the error channel of the server Layer) as one line. */
export const describeStartFailure = (error: unknown): string =>
  oneLine(
    ConfigError.isConfigError(error)
      ? describeConfigError(error)
      : typeof error === "object" && error !== null && "message" in error
      ? String((error as { readonly message: unknown }).message)
      : String(error)
  )
