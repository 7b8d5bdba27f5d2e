#!/usr/bin/env node
/**
 * `npm run build` (and `prepack`) of rampart-effect4: compiles the Effect-free code both editions
 * share (the repository's src/Shared/) into dist/shared/, then this package's src/ into dist/, whose
 * `#shared/*` imports resolve to dist/shared/ through package.json "imports" (so the tarball holds
 * everything it needs and nothing of the Effect 3 edition).
 */
import { execFileSync } from "node:child_process"
import { rmSync } from "node:fs"
import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"

const here = fileURLToPath(new URL(".", import.meta.url))
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc")
rmSync(new URL("dist", import.meta.url), { recursive: true, force: true })
for (const project of ["tsconfig.shared.json", "tsconfig.build.json"]) {
  execFileSync(process.execPath, [tsc, "-p", project], { cwd: here, stdio: "inherit" })
}
