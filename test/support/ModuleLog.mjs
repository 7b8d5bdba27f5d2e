/**
 * `node --import ./test/support/ModuleLog.mjs`: appends the URL of every module the process
 * resolves to the file named by `RAMPART_TEST_MODULE_LOG`, so a test can tell which packages a
 * server loaded. Registers itself as the module hooks (which run off the main thread).
 */
import { appendFileSync } from "node:fs"
import { register } from "node:module"
import { isMainThread } from "node:worker_threads"

if (isMainThread) register(import.meta.url)

/** The resolve hook: logs, then resolves as Node would. */
export const resolve = async (specifier, context, next) => {
  const resolved = await next(specifier, context)
  appendFileSync(process.env.RAMPART_TEST_MODULE_LOG, `${resolved.url}\n`)
  return resolved
}
