/**
 * Packages that only some configurations need, imported when that configuration is built: the
 * store drivers (better-sqlite3, the optional peer `@effect/sql-pg`) and the OTLP exporter (the
 * optional peer `@effect/opentelemetry`). A missing one is a start failure of one line naming the
 * package to install.
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"

/** A package a configured feature needs (a store driver, the OTLP exporter) is not installed or cannot load; the message names the package. */
export class MissingDriverError extends Data.TaggedError("MissingDriverError")<{ readonly message: string }> {}

/** Imports a module of `packageName` for `purpose`; a missing package is a `MissingDriverError` naming `npm install <package>`. */
export const loadOptionalPackage = <A>(
  packageName: string,
  purpose: string,
  load: () => Promise<A>
): Effect.Effect<A, MissingDriverError> =>
  Effect.tryPromise({
    try: load,
    catch: (error) => {
      const code = (error as { readonly code?: unknown } | null)?.code
      const text = error instanceof Error ? error.message.split("\n")[0]! : String(error)
      return new MissingDriverError({
        message: code === "ERR_MODULE_NOT_FOUND"
          ? `${purpose} needs the package ${packageName}, which is not installed: run npm install ${packageName}`
          : `${purpose} needs the package ${packageName}, which failed to load: ${text}`
      })
    }
  })
