#!/usr/bin/env node
/**
 * `npm run build` (and `prepack`): compiles src/ to dist/ (ES modules, .d.ts, declaration and
 * source maps) with tsc -p tsconfig.build.json, after removing the old dist/. With `--if-stale` it
 * builds only when a source is newer than the last build: `npm start`, `npm test` and, in a clone,
 * `bin/rampart.mjs` call it so that a clone never runs stale JavaScript without a manual build.
 */
import { execFileSync } from "node:child_process"
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const stamp = join(root, "dist", ".build-stamp")

/** The newest modification time (ms) of the files that make dist/. */
const newestInput = () => {
  let newest = 0
  const visit = (path) => {
    const info = statSync(path)
    if (info.isDirectory()) for (const entry of readdirSync(path)) visit(join(path, entry))
    else if (info.mtimeMs > newest) newest = info.mtimeMs
  }
  for (const input of ["src", "tsconfig.json", "tsconfig.build.json", "package.json"]) visit(join(root, input))
  return newest
}

/** Whether dist/ is missing or older than a source. */
export const isStale = () => !existsSync(stamp) || statSync(stamp).mtimeMs < newestInput()

/** Removes dist/ and compiles src/ into it; tsc's diagnostics go to stderr and a failure throws. */
export const build = () => {
  const tsc = createRequire(join(root, "package.json")).resolve("typescript/bin/tsc")
  rmSync(join(root, "dist"), { recursive: true, force: true })
  execFileSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], { cwd: root, stdio: ["ignore", "inherit", "inherit"] })
  writeFileSync(stamp, `${new Date().toISOString()}\n`)
}

/** Builds when dist/ is stale (a clone after `npm ci`, or after an edit); says so on stderr. */
export const buildIfStale = () => {
  if (!isStale()) return
  process.stderr.write("rampart: building dist/ from src/ (npm run build)\n")
  build()
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    if (process.argv.includes("--if-stale")) buildIfStale()
    else build()
  } catch {
    process.stderr.write("rampart: the build failed (tsc's messages above)\n")
    process.exitCode = 1
  }
}
