/**
 * A test server whose log output is collected: every log line at every level (Debug included),
 * rendered the way the default logger prints it (text, JSON and the pretty cause), and, separately,
 * a full `util.inspect` of each logged error object (what `console.error(error)` or an error
 * reporter would show) — so a test can assert that no secret ever reaches the logs.
 */
import { Cause, Layer, Logger, LogLevel, ManagedRuntime } from "effect"
import { inspect } from "node:util"
import type { ServerSettings } from "../../src/Server/Config.js"
import { layerInProcessServer, ServerUrl } from "../../src/Server/InProcess.js"
import type { RunningServer } from "./Server.js"
import { testSettings } from "./Services.js"

/** A running server and everything it logged so far. */
export interface LoggedServer extends RunningServer {
  /** Each entry as text, as JSON and its pretty cause: what the built-in loggers print. */
  readonly logs: Array<string>
  /** Each logged error or defect object, inspected in full. */
  readonly errors: Array<string>
}

/** A logger that appends each entry's renderings to `logs` and its inspected error objects to `errors`. */
export const collectingLogger = (logs: Array<string>, errors: Array<string>) =>
  Logger.make<unknown, void>((options) => {
    logs.push(Logger.stringLogger.log(options))
    logs.push(Logger.jsonLogger.log(options))
    if (!Cause.isEmpty(options.cause)) {
      logs.push(Cause.pretty(options.cause, { renderErrorCause: true }))
      for (const error of [...Cause.failures(options.cause), ...Cause.defects(options.cause)]) {
        errors.push(inspect(error, { depth: 12, maxStringLength: null, maxArrayLength: null }))
      }
    }
  })

/** Starts a server over `databaseUrl` whose logs (all levels) go to the returned `logs` array. */
export const startLoggedServer = async (
  databaseUrl: string,
  overrides: Partial<ServerSettings> = {}
): Promise<LoggedServer> => {
  const logs: Array<string> = []
  const errors: Array<string> = []
  const logging = Layer.mergeAll(
    Logger.replace(Logger.defaultLogger, collectingLogger(logs, errors)),
    Logger.minimumLogLevel(LogLevel.All)
  )
  const runtime = ManagedRuntime.make(
    layerInProcessServer(testSettings(databaseUrl, overrides)).pipe(Layer.provide(logging))
  )
  const url = await runtime.runPromise(ServerUrl)
  return { url, runtime, logs, errors, close: () => runtime.dispose() }
}
