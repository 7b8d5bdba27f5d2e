/**
 * rampart-effect4 as its users get it: the edition's packed tarball (built first, with the shared
 * Effect-free code compiled into it) installed into a fresh strict NodeNext project with `effect@4`
 * only (npm's cache reused), a consumer program type-checked with `declaration: true` against the
 * shipped .d.ts and run by plain node against the Effect 3 reference server.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { runProcess } from "../support/Cli.js"
import { type ServerProcess, startServerProcess } from "../support/ServerProcess.js"

const root = fileURLToPath(new URL("../..", import.meta.url))
const edition = join(root, "editions/effect4")
const fixtures = join(root, "test/fixtures/consumer-effect4")
const rootPackage = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  readonly devDependencies: Record<string, string>
}
const editionPackage = JSON.parse(readFileSync(join(edition, "package.json"), "utf8")) as {
  readonly name: string
  readonly devDependencies: Record<string, string>
}

let project: string
let server: ServerProcess | undefined
const run = (file: string, args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  runProcess(file, args, {
    cwd: project,
    env: {
      ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("RAMPART_"))),
      ...env
    },
    timeoutMs: 300_000
  })

beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), "rampart-effect4-consumer-"))
  const built = await runProcess(process.execPath, ["build.mjs"], { cwd: edition, timeoutMs: 300_000 })
  expect(built.status, built.stdout + built.stderr).toBe(0)
  const packed = await runProcess(
    "npm",
    ["pack", edition, "--ignore-scripts", "--pack-destination", project, "--silent"],
    { cwd: project }
  )
  expect(packed.status, packed.stderr).toBe(0)
  const tarball = packed.stdout.trim().split("\n").at(-1)!
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify(
      {
        name: "rampart-effect4-consumer",
        private: true,
        type: "module",
        dependencies: { [editionPackage.name]: `file:./${tarball}`, effect: editionPackage.devDependencies["effect"] },
        devDependencies: {
          typescript: rootPackage.devDependencies["typescript"],
          "@types/node": rootPackage.devDependencies["@types/node"]
        }
      },
      null,
      2
    )
  )
  for (const file of ["app.ts", "tsconfig.json"]) copyFileSync(join(fixtures, file), join(project, file))
  const installed = await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"])
  expect(installed.status, installed.stderr).toBe(0)
}, 600_000)

afterAll(async () => {
  await server?.stop()
  if (project !== undefined) rmSync(project, { recursive: true, force: true })
})

describe("the packed rampart-effect4", () => {
  it("holds its build and the shared code it needs, and nothing of the Effect 3 edition", () => {
    const installed = join(project, "node_modules/rampart-effect4")
    expect(readdirSync(installed).sort()).toEqual(["README.md", "dist", "package.json"])
    expect(existsSync(join(installed, "dist/shared/IdTokenChecks.js"))).toBe(true)
    expect(existsSync(join(installed, "dist/shared/TotpMath.d.ts"))).toBe(true)
    for (const absent of ["src", "test", "build.mjs", "dist/Server", "dist/Cli"]) {
      expect(existsSync(join(installed, absent)), absent).toBe(false)
    }
  })

  it("uses the consumer's one effect 4 and no Effect 3 package", () => {
    expect(JSON.parse(readFileSync(join(project, "node_modules/effect/package.json"), "utf8")).version).toBe(
      editionPackage.devDependencies["effect"]
    )
    expect(existsSync(join(project, "node_modules/rampart-effect4/node_modules/effect"))).toBe(false)
    expect(existsSync(join(project, "node_modules/@effect/platform"))).toBe(false)
  })

  it("type-checks a strict NodeNext consumer with declaration: true, and runs it with plain node against the server", async () => {
    const compiled = await run(process.execPath, [
      join(project, "node_modules/typescript/bin/tsc"),
      "-p",
      "tsconfig.json"
    ])
    expect(compiled.stdout + compiled.stderr).toBe("")
    expect(compiled.status).toBe(0)
    expect(readFileSync(join(project, "out/app.d.ts"), "utf8")).not.toMatch(/rampart-effect4\/dist/)
    server = await startServerProcess({}, [], { cwd: root, command: () => [process.execPath, "dist/Server/main.js"] })
    const ran = await run(process.execPath, ["out/app.js"], { RAMPART_URL: server.url })
    expect(ran.status, ran.stderr).toBe(0)
    expect(JSON.parse(ran.stdout.trim().split("\n").at(-1)!)).toEqual({
      email: true,
      channel: "EMAIL",
      refused: "NotConfigured",
      code: true,
      period: 30
    })
  })
})
