#!/usr/bin/env node
/**
 * `npm run build` (and `prepack`): compiles src/ to dist/ (ES modules, .d.ts, declaration and
 * source maps) with tsc -p tsconfig.build.json, after removing the old dist/, then bundles the
 * server program (`npm start`) into dist/bundle/server.js with esbuild: one file plus the chunks
 * it loads lazily, so that a start reads a few files instead of ~800 modules (docs/decisions.md,
 * "The server program runs bundled"). Native and optional packages stay outside
 * (`BUNDLE_EXTERNAL`); the library (`rampart`, `rampart/server`) and the CLI are dist/ as tsc
 * wrote it. With `--if-stale` it builds only when a source is newer than the last build:
 * `npm start`, `npm test` and, in a clone, `bin/rampart.mjs` call it so that a clone never runs
 * stale JavaScript without a manual build.
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

/**
 * Packages the bundle imports at run time instead of containing: native addons, the PostgreSQL
 * driver and optional peers that are loaded only when configured (none of them imports `effect`).
 */
export const BUNDLE_EXTERNAL = ["better-sqlite3", "@node-rs/argon2", "pg", "pg-native", "nodemailer", "@opentelemetry/*"]

/**
 * Bundles dist/Server/main.js into dist/bundle/server.js (plus its lazy chunks). One entry only: a
 * second one (the CLI) sharing chunks made esbuild hoist what the server loads lazily (undici, ...)
 * into chunks the server loads at start.
 */
const bundle = async () => {
  const esbuild = await import("esbuild")
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: { server: "dist/Server/main.js" },
    outdir: "dist/bundle",
    chunkNames: "chunks/[name]-[hash]",
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    external: BUNDLE_EXTERNAL,
    // CommonJS packages inside an ES module bundle still call require() for Node's built-ins.
    banner: { js: 'import { createRequire as __rampartRequire } from "node:module"; const require = __rampartRequire(import.meta.url);' },
    legalComments: "none",
    logLevel: "warning"
  })
}

/** Removes dist/, compiles src/ into it and bundles the server program; diagnostics go to stderr and a failure throws. */
export const build = async () => {
  const tsc = createRequire(join(root, "package.json")).resolve("typescript/bin/tsc")
  rmSync(join(root, "dist"), { recursive: true, force: true })
  execFileSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], { cwd: root, stdio: ["ignore", "inherit", "inherit"] })
  await bundle()
  writeFileSync(stamp, `${new Date().toISOString()}\n`)
}

/** Builds when dist/ is stale (a clone after `npm ci`, or after an edit); says so on stderr. */
export const buildIfStale = async () => {
  if (!isStale()) return
  process.stderr.write("rampart: building dist/ from src/ (npm run build)\n")
  await build()
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    if (process.argv.includes("--if-stale")) await buildIfStale()
    else await build()
  } catch {
    process.stderr.write("rampart: the build failed (the messages above)\n")
    process.exitCode = 1
  }
}
