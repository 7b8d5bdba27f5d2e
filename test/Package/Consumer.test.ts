/**
 * Rampart as its users get it: the packed tarball installed into a fresh project with only the
 * documented peers (npm's cache reused, offline where it can be), a consumer program type-checked
 * with strict NodeNext settings against the shipped .d.ts and run by plain node, the README's
 * snippets, a client-only import that loads no SQL driver, a resource server verifying Rampart idTokens
 * with `IdTokenVerifier` against the installed server, and the installed `rampart` binary.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { spawn } from "node:child_process"
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { runProcess } from "../support/Cli.js"
import { freePort } from "../support/Ports.js"
import { startServerProcess } from "../support/ServerProcess.js"

const root = fileURLToPath(new URL("../..", import.meta.url))
const fixtures = join(root, "test/fixtures/consumer")
const repoPackage = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  readonly version: string
  readonly devDependencies: Record<string, string>
  readonly peerDependencies: Record<string, string>
}

/** The documented peers, at the versions this repository tests (its exact dev dependencies). */
const peers = ["effect", "@effect/platform", "@effect/platform-node", "@effect/sql", "@effect/experimental"]

/** The code block that follows `<!-- consumer:NAME -->` in the README. */
const readmeSnippet = (name: string): string => {
  const readme = readFileSync(join(root, "README.md"), "utf8")
  const match = new RegExp(`<!-- consumer:${name.replace(".", "\\.")} -->\\n\`\`\`ts\\n([\\s\\S]*?)\`\`\``).exec(readme)
  if (match === null) throw new Error(`README.md has no snippet ${name}`)
  return match[1]!
}

let project: string
const bin = () => join(project, "node_modules/.bin/rampart")
/** The environment of the consumer's commands: no RAMPART_* of the test run's own. */
const cleanEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("RAMPART_"))),
  ...extra
})
const run = (file: string, args: ReadonlyArray<string>, extra: Record<string, string> = {}, timeoutMs = 120_000) =>
  runProcess(file, args, { cwd: project, env: cleanEnv(extra), timeoutMs })

/** A consumer program run by plain node until stopped. */
interface ConsumerProcess {
  readonly output: () => string
  /** Sends SIGTERM and resolves once it exited. */
  readonly stop: () => Promise<void>
}

/** Runs `node script` in the consumer project; resolves once it printed a line matching `ready`, fails if it exits first. */
const startConsumerProcess = async (
  script: string,
  extra: Record<string, string>,
  ready: RegExp
): Promise<ConsumerProcess> => {
  const child = spawn(process.execPath, [script], {
    cwd: project,
    env: cleanEnv(extra),
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  child.stdout.on("data", (chunk) => (output += chunk))
  child.stderr.on("data", (chunk) => (output += chunk))
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()))
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM")
    return exited
  }
  const deadline = Date.now() + 30_000
  while (!ready.test(output)) {
    if (child.exitCode !== null) throw new Error(`${script} exited (${child.exitCode}):\n${output}`)
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`${script} printed no ${ready}:\n${output}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return { output: () => output, stop }
}

beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), "rampart-consumer-"))
  // dist/ is fresh (the suite's global set-up builds it); --ignore-scripts keeps prepack from
  // rebuilding it under the feet of the other test files.
  const packed = await runProcess(
    "npm",
    ["pack", root, "--ignore-scripts", "--pack-destination", project, "--silent"],
    { cwd: project }
  )
  expect(packed.status, packed.stderr).toBe(0)
  const tarball = packed.stdout.trim().split("\n").at(-1)!
  const dev = repoPackage.devDependencies
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify(
      {
        name: "rampart-consumer",
        private: true,
        type: "module",
        dependencies: { rampart: `file:./${tarball}`, ...Object.fromEntries(peers.map((name) => [name, dev[name]!])) },
        devDependencies: {
          typescript: dev["typescript"],
          "@types/node": dev["@types/node"],
          vitest: dev["vitest"],
          "@effect/vitest": dev["@effect/vitest"]
        }
      },
      null,
      2
    )
  )
  for (
    const file of [
      "app.ts",
      "client-only.ts",
      "resource-server.ts",
      "declarations.ts",
      "host.ts",
      "kit.test.ts",
      "record-loads.mjs",
      "tsconfig.json",
      "tsconfig.declarations.json"
    ]
  ) {
    copyFileSync(join(fixtures, file), join(project, file))
  }
  writeFileSync(join(project, "embed.ts"), readmeSnippet("embed.ts"))
  writeFileSync(join(project, "client.ts"), readmeSnippet("client.ts"))
  // better-sqlite3 compiles from source here; node-gyp may use both cores.
  const installed = await run(
    "npm",
    ["install", "--prefer-offline", "--no-audit", "--no-fund"],
    { JOBS: "max" },
    600_000
  )
  expect(installed.status, installed.stderr).toBe(0)
}, 660_000)

afterAll(() => {
  if (project !== undefined) rmSync(project, { recursive: true, force: true })
})

describe("the packed package", () => {
  it("holds no test, bench, CI or fixture file, and a LICENSE", async () => {
    const files = readdirSync(join(project, "node_modules/rampart"))
    expect(files).toEqual(expect.arrayContaining(["LICENSE", "README.md", "package.json", "dist", "bin"]))
    for (const absent of ["test", "bench", ".ci", "scripts", "vitest.config.ts", "tsconfig.json"]) {
      expect(files).not.toContain(absent)
    }
    expect(existsSync(join(project, "node_modules/rampart/dist/server.d.ts"))).toBe(true)
  })

  it("shares the consumer's one copy of effect and @effect/platform", () => {
    for (const name of ["effect", "@effect/platform"]) {
      expect(existsSync(join(project, "node_modules/rampart/node_modules", name)), name).toBe(false)
      expect(JSON.parse(readFileSync(join(project, "node_modules", name, "package.json"), "utf8")).version).toBe(
        repoPackage.devDependencies[name]
      )
    }
  })

  it("type-checks the consumer programs with strict NodeNext settings against the shipped .d.ts", async () => {
    const compiled = await run(process.execPath, [
      join(project, "node_modules/typescript/bin/tsc"),
      "-p",
      "tsconfig.json"
    ])
    expect(compiled.stdout + compiled.stderr).toBe("")
    expect(compiled.status).toBe(0)
  })

  it("emits declarations for a host module exporting layers built from Rampart's (no TS2742)", async () => {
    const compiled = await run(process.execPath, [
      join(project, "node_modules/typescript/bin/tsc"),
      "-p",
      "tsconfig.declarations.json"
    ])
    expect(compiled.stdout + compiled.stderr).toBe("")
    expect(compiled.status).toBe(0)
    const declarations = readFileSync(join(project, "out-declarations/declarations.d.ts"), "utf8")
    expect(declarations).toContain("import(\"rampart/server\").RampartServices")
    expect(declarations).not.toMatch(/import\("[^"]*rampart\/dist/)
  })

  it("runs a host service: its own users table, Rampart's domain on its SqlClient, one HttpApi behind Rampart's edge", async () => {
    const ran = await run(process.execPath, ["out/host.js"], { HOST_DB: join(project, "host.db") })
    expect(ran.status, ran.stderr).toBe(0)
    expect(JSON.parse(ran.stdout.trim().split("\n").at(-1)!)).toEqual({
      login: 200,
      balance: 200,
      email: "host@example.com",
      unknown: 404,
      unknownTag: "NotFound",
      hostUsers: ["a host user"],
      rampartUsers: 1
    })
  })

  it("runs a vitest suite on rampart/testing with TestClock and it.prop", async () => {
    const ran = await run(process.execPath, [join(project, "node_modules/vitest/vitest.mjs"), "run", "kit.test.ts"])
    expect(ran.stdout + ran.stderr).toContain("2 passed")
    expect(ran.status, ran.stdout + ran.stderr).toBe(0)
  })

  it("runs the consumer program with plain node: domain Layers, server Layer, AuthClient, Session, PartnerSession", async () => {
    const ran = await run(process.execPath, ["out/app.js"])
    expect(ran.status, ran.stderr).toBe(0)
    const seen = JSON.parse(ran.stdout.trim().split("\n").at(-1)!) as Record<string, unknown>
    expect(seen).toMatchObject({ idTokenParts: 3, health: "ok", channel: "EMAIL" })
    expect(seen["url"]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(seen["accessTokenLength"]).toBeGreaterThanOrEqual(43)
  })

  it("a client-only import loads no SQL driver and no server module", async () => {
    const log = join(project, "loads.log")
    writeFileSync(log, "")
    const ran = await run(process.execPath, ["--import", "./record-loads.mjs", "out/client-only.js"], { LOAD_LOG: log })
    expect(ran.status, ran.stderr).toBe(0)
    const seen = JSON.parse(ran.stdout.trim().split("\n").at(-1)!) as { code: string; loaded: ReadonlyArray<string> }
    expect(seen.code).toMatch(/^\d{6}$/)
    expect(seen.loaded.some((url) => url.includes("node_modules/rampart/dist/index.js"))).toBe(true)
    expect(seen.loaded.some((url) => url.includes("node_modules/effect/"))).toBe(true)
    const forbidden = [/better-sqlite3/, /\/node_modules\/pg\//, /sql-sqlite-node/, /sql-pg/, /rampart\/dist\/Server\//]
    expect(seen.loaded.filter((url) => forbidden.some((pattern) => pattern.test(url)))).toEqual([])
  })

  it("runs the README's embed snippet", async () => {
    const ran = await run(process.execPath, ["out/embed.js"])
    expect(ran.status, ran.stderr).toBe(0)
    expect(ran.stdout).toMatch(/^logged in: idToken of \d+ characters$/m)
  })
})

describe("a resource server of the consumer (IdTokenVerifier.layerJwks, layerUserAuthentication)", () => {
  it("serves its own HttpApi to the bearer of a Rampart idToken, and refuses any other request with a small 403 AuthError", async () => {
    const rampart = await startServerProcess({}, [], {
      command: (port) => [bin(), "serve", "--port", String(port)],
      cwd: project
    })
    let wallet: ConsumerProcess | undefined
    try {
      const email = "wallet@example.com"
      const credentials = { method: "POST", headers: { "content-type": "application/json" } }
      const body = JSON.stringify({ email, password: "consumer password 1" })
      const created = await fetch(`${rampart.url}/sandbox/users`, { ...credentials, body })
      expect(created.status, await created.text()).toBe(201)
      const login = await fetch(`${rampart.url}/auth/login`, { ...credentials, body })
      const { idToken } = (await login.json()) as { idToken: string }
      expect(idToken.split(".")).toHaveLength(3)

      const port = await freePort()
      wallet = await startConsumerProcess(
        "out/resource-server.js",
        { RAMPART_URL: rampart.url, WALLET_PORT: String(port) },
        /^listening on http:\/\/127\.0\.0\.1:\d+$/m
      )
      const balance = (headers: Record<string, string>) => fetch(`http://127.0.0.1:${port}/wallet/balance`, { headers })

      const served = await balance({ authorization: `Bearer ${idToken}` })
      const text = await served.text()
      expect(served.status, `${text}\n${wallet.output()}`).toBe(200)
      const user = JSON.parse(text) as Record<string, unknown>
      expect(user).toMatchObject({ email, amr: ["pwd"] })
      expect(user["userId"]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
      expect(Math.abs(Date.parse(user["authTime"] as string) - Date.now())).toBeLessThan(120_000)

      const [header, payload, signature] = idToken.split(".") as [string, string, string]
      // The first character of the signature: every one of its bits is signature (the last carries padding).
      const altered = `${header}.${payload}.${signature[0] === "A" ? "B" : "A"}${signature.slice(1)}`
      const refusals: Record<string, Record<string, string>> = {
        "no authorization header": {},
        "a garbage token": { authorization: "Bearer garbage" },
        "an altered signature": { authorization: `Bearer ${altered}` }
      }
      for (const [name, headers] of Object.entries(refusals)) {
        const refused = await balance(headers)
        const text = await refused.text()
        expect(refused.status, `${name}: ${text}`).toBe(403)
        expect(JSON.parse(text), name).toMatchObject({ _tag: "AuthError" })
        expect(Buffer.byteLength(text), name).toBeLessThan(1024)
      }
    } finally {
      await wallet?.stop()
      await rampart.stop()
    }
  })
})

describe("the installed rampart binary", () => {
  it("--help lists the commands", async () => {
    const ran = await run(bin(), ["--help"])
    expect(ran.status).toBe(0)
    for (const command of ["serve", "totp", "openapi", "partner-login", "keys"]) expect(ran.stdout).toContain(command)
  })

  it("totp prints oathtool's code", async () => {
    const secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    const ran = await run(bin(), ["totp", secret, "--now", "@1700000000"])
    expect(ran.status, ran.stderr).toBe(0)
    const reference = await runProcess("oathtool", ["--totp", "-b", "-N", "@1700000000", secret])
    expect(ran.stdout.trim()).toBe(reference.stdout.trim())
    expect(ran.stdout.trim()).toMatch(/^\d{6}$/)
  })

  it("keys --env prints both production keys as KEY='value' lines", async () => {
    const ran = await run(bin(), ["keys", "--env"])
    expect(ran.status, ran.stderr).toBe(0)
    const lines = ran.stdout.trim().split("\n")
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatch(/^RAMPART_SECRET_KEY='[A-Za-z0-9+/]{43}='$/)
    const jwk = JSON.parse(/^RAMPART_SIGNING_KEY='(.*)'$/.exec(lines[1]!)![1]!) as Record<string, string>
    expect(jwk).toMatchObject({ kty: "OKP", crv: "Ed25519" })
    expect(jwk["d"]).toMatch(/^[A-Za-z0-9_-]{43}$/)
  })

  it("serve answers /health, the README's client snippet logs in against it, and SIGTERM exits 0", async () => {
    const server = await startServerProcess({}, [], {
      command: (port) => [bin(), "serve", "--port", String(port)],
      cwd: project
    })
    const output = () => `${server.stdout()}\n${server.stderr()}`
    let stopped: Promise<number | null> | undefined
    try {
      const health = await fetch(`${server.url}/health`)
      expect(await health.json()).toEqual({ status: "ok", store: "sqlite" })
      const demo = JSON.parse(readFileSync(join(server.state, "demo.json"), "utf8")) as {
        user: { email: string; password: string }
      }
      const client = await run(process.execPath, ["out/client.js"], {
        RAMPART_URL: server.url,
        APP_EMAIL: demo.user.email,
        APP_PASSWORD: demo.user.password
      })
      expect(client.status, client.stderr).toBe(0)
      expect(client.stdout).toMatch(/^an EMAIL code was sent, valid until \d{4}-\d\d-\d\dT/m)
    } finally {
      stopped = server.stop()
    }
    expect(await stopped, output()).toBe(0)
  })

  it("the bundled server program (what npm start runs) serves the sandbox, its QR codes and /docs, and SIGTERM exits 0", async () => {
    const program = join(project, "node_modules/rampart/dist/bundle/server.js")
    const server = await startServerProcess({}, [], { command: () => [process.execPath, program], cwd: project })
    const output = () => `${server.stdout()}\n${server.stderr()}`
    let stopped: Promise<number | null> | undefined
    try {
      const answer = await fetch(`${server.url}/sandbox/accounts`)
      const body = await answer.text()
      expect(answer.status, `${body}\n${output()}`).toBe(200)
      const accounts = JSON.parse(body) as { users: ReadonlyArray<{ email: string; totp: { qrSvg: string } | null }> }
      const partner = accounts.users.find((user) => user.totp !== null)
      expect(partner?.totp?.qrSvg, output()).toMatch(/^<svg/)
      const docs = await fetch(`${server.url}/docs`)
      expect(docs.status).toBe(200)
      expect(await docs.text()).toContain("Rampart")
    } finally {
      stopped = server.stop()
    }
    expect(await stopped, output()).toBe(0)
  })

  it("a postgres:// URL without the optional driver is one line naming @effect/sql-pg", async () => {
    const ran = await run(bin(), [
      "serve",
      "--port",
      String(await freePort()),
      "--database-url",
      "postgres://rampart@127.0.0.1:9/none"
    ])
    expect(ran.status).toBe(1)
    expect(ran.stderr.trim().split("\n")).toHaveLength(1)
    expect(ran.stderr).toContain("npm install @effect/sql-pg")
  })

  it("an OTLP endpoint without the optional @effect/opentelemetry is one line naming it; none of OpenTelemetry is installed", async () => {
    for (const absent of ["@effect/opentelemetry", "@opentelemetry"]) {
      expect(existsSync(join(project, "node_modules", absent)), absent).toBe(false)
    }
    const ran = await run(bin(), ["serve", "--port", String(await freePort())], {
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9"
    })
    expect(ran.status).toBe(1)
    expect(ran.stderr.trim().split("\n")).toHaveLength(1)
    expect(ran.stderr).toContain("npm install @effect/opentelemetry")
  })
})
