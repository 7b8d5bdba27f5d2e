#!/usr/bin/env node
// The `rampart` command: the compiled CLI in dist/, run by node with no loader. In a clone of the
// repository (where scripts/build.mjs exists; the package does not ship it) dist/ is built first
// when it is missing or older than src/.
import { existsSync } from "node:fs"

const builder = new URL("../scripts/build.mjs", import.meta.url)
if (existsSync(builder)) {
  try {
    ;await (await import(builder.href)).buildIfStale()
  } catch {
    process.stderr.write("rampart: the build of dist/ failed (the messages above)\n")
    process.exit(1)
  }
}

try {
  await import("../dist/Cli/main.js")
} catch (error) {
  // A missing peer dependency is one line naming the package, not a stack trace.
  const missing = error?.code === "ERR_MODULE_NOT_FOUND" && /Cannot find package '([^']+)'/.exec(String(error.message))
  process.stderr.write(
    missing
      ? `rampart: the package ${missing[1]} is not installed; run npm install ${missing[1]}\n`
      : `rampart: ${String(error?.message ?? error).split("\n")[0]}\n`
  )
  process.exit(1)
}
