/**
 * The README's "A five-minute tour", run as written: the section's indented (4-space) code blocks,
 * in order, as ONE bash script under `set -euo pipefail`, against the sandbox `npm start` serves.
 *
 * How it stays honest:
 * - The one line not run is `npm ci && npm start` (the dependencies are installed already): the
 *   test starts what `npm start` runs once dist/ is fresh, `node dist/Server/main.js` (vitest's
 *   global set-up builds dist/), with none of the RAMPART_* settings a developer may have exported
 *   but RAMPART_PORT (a free port) and, in the suite's platform project, RAMPART_HTTP.
 * - Server and script run with a fresh temporary directory as their working directory, as the
 *   tour's two terminals share the checkout's: the tour's `./.rampart/demo.json` is this server's
 *   (the default state directory), and the developer's own `.rampart/` and port 8080 are untouched.
 *   The script gets RAMPART_URL, which the tour's `B=${RAMPART_URL:-...}` and the CLI read.
 * - `npx rampart` must run this checkout's CLI there: the directory gets
 *   `node_modules/.bin/rampart` -> this repository's bin/rampart.mjs, the link `npm install` makes
 *   for a dependency's bin, which npx runs as a local bin (the real executable, on this checkout's
 *   dist/). No `npx` shim: the real npx resolves it. The script's environment has npm_config_yes=false
 *   and npm_config_offline=true, so a failed resolution is an error, never a registry download of
 *   an unrelated package named `rampart`.
 * - Only marker lines (`printf`) are added between the blocks, so each step's output is checked
 *   on its own; the commands themselves are the README's text.
 */
import { describe, expect, it } from "@effect/vitest"
import { spawn } from "node:child_process"
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { rampartBin, runProcess } from "../support/Cli.js"
import { freePort } from "../support/Ports.js"

const repository = fileURLToPath(new URL("../..", import.meta.url))
const readme = readFileSync(join(repository, "README.md"), "utf8")

/** The text of the section headed `heading`, up to the next `## ` heading. */
const section = (markdown: string, heading: string): string => {
  const start = markdown.indexOf(`\n${heading}\n`)
  if (start === -1) throw new Error(`README.md has no section "${heading}"`)
  const end = markdown.indexOf("\n## ", start + 1)
  return markdown.slice(start, end === -1 ? undefined : end)
}

/** The indented (4-space) code blocks of Markdown text, in order, without their indentation; fenced blocks are not among them. */
const indentedBlocks = (markdown: string): Array<string> => {
  const blocks: Array<Array<string>> = []
  let current: Array<string> | undefined
  let fenced = false
  let previousBlank = true
  for (const line of markdown.split("\n")) {
    if (/^(```|~~~)/.test(line)) fenced = !fenced
    if (!fenced && line.startsWith("    ") && (current !== undefined || previousBlank)) {
      if (current === undefined) blocks.push(current = [])
      current.push(line.slice(4))
    } else {
      current = undefined
    }
    previousBlank = line.trim() === ""
  }
  return blocks.map((lines) => lines.join("\n"))
}

/** Every top-level JSON object in `text`, in order (curl prints bodies without a newline, so they may share a line). */
const jsonObjects = (text: string): Array<Record<string, unknown>> => {
  const found: Array<Record<string, unknown>> = []
  let depth = 0
  let start = 0
  let inString = false
  let escaped = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (inString) {
      if (escaped) escaped = false
      else if (c === "\\") escaped = true
      else if (c === "\"") inString = false
    } else if (c === "\"" && depth > 0) {
      inString = true
    } else if (c === "{") {
      if (depth++ === 0) start = i
    } else if (c === "}" && depth > 0 && --depth === 0) {
      found.push(JSON.parse(text.slice(start, i + 1)) as Record<string, unknown>)
    }
  }
  return found
}

/** The environment of a fresh terminal: the inherited one without RAMPART_* and npm's own npm_* variables. */
const freshEnvironment = (): Record<string, string> =>
  Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && !/^(RAMPART_|npm_)/i.test(entry[0])
    )
  )

const START_LINE = "npm ci && npm start"
const MARKER = "@@readme-tour-block"

describe("README: A five-minute tour", () => {
  const blocks = indentedBlocks(section(readme, "## A five-minute tour"))

  it("starts with `npm start` and has the steps this test checks", () => {
    expect(blocks[0]).toBe(START_LINE)
    expect(blocks).toHaveLength(7)
  })

  it("runs as written, as one bash script, and every step answers what the tour says", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rampart-tour-"))
    mkdirSync(join(dir, "node_modules", ".bin"), { recursive: true })
    symlinkSync(rampartBin, join(dir, "node_modules", ".bin", "rampart"))
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`

    const serverEnv = {
      ...freshEnvironment(),
      RAMPART_PORT: String(port),
      ...(process.env["RAMPART_HTTP"] === undefined ? {} : { RAMPART_HTTP: process.env["RAMPART_HTTP"] })
    }
    const server = spawn(process.execPath, [join(repository, "dist", "Server", "main.js")], {
      cwd: dir,
      env: serverEnv,
      stdio: ["ignore", "pipe", "pipe"]
    })
    let serverOutput = ""
    server.stdout.on("data", (chunk) => (serverOutput += chunk))
    server.stderr.on("data", (chunk) => (serverOutput += chunk))
    const exited = new Promise<number | null>((resolve) => server.on("exit", (code) => resolve(code)))
    try {
      for (let i = 0; i < 240 && !serverOutput.includes("codes sent by EMAIL/SMS") && server.exitCode === null; i++) {
        await new Promise((resolve) => setTimeout(resolve, 250))
      }
      expect(serverOutput).toContain(`Rampart sandbox on ${url}`)

      const steps = blocks.slice(1)
      const script = [
        "set -euo pipefail",
        ...steps.flatMap((block, index) => [`printf '\\n${MARKER} %d@@\\n' ${index + 1}`, block])
      ].join("\n") + "\n"
      writeFileSync(join(dir, "tour.sh"), script)
      const run = await runProcess("bash", ["tour.sh"], {
        cwd: dir,
        env: { ...freshEnvironment(), RAMPART_URL: url, npm_config_yes: "false", npm_config_offline: "true" },
        timeoutMs: 150_000
      })
      const report = `exit ${run.status}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`
      expect(run.status, report).toBe(0)

      const outputs = run.stdout.split(new RegExp(`\\n${MARKER} \\d+@@\\n`)).slice(1)
      expect(outputs, report).toHaveLength(steps.length)
      const [login, totp, email, partner, cli, jump] = outputs.map(jsonObjects)

      // The demo user's login: the idToken the next steps use.
      expect(login![0], report).toMatchObject({ idToken: expect.any(String), refreshToken: expect.any(String) })
      // TOTP enrolment validated with an oathtool code: the profile says so.
      expect(totp!.at(-1), report).toMatchObject({ email: "demo@rampart.test", hasValidatedSecret: true })
      // The EMAIL code from the sandbox outbox validated the email.
      expect(email!.at(-1), report).toMatchObject({ email: "demo@rampart.test", hasValidatedEmail: true })
      // The partner's curl login with an oathtool security_code.
      expect(partner!.at(-1), report).toEqual({ access_token: expect.any(String), expires_in: 3600 })
      // `npx rampart totp` prints a code; `npx rampart partner-login` (after the wait for the next
      // step when the curl login used this one) prints the token response as JSON.
      const cliLines = outputs[4]!.trim().split("\n")
      expect(cliLines[0], report).toMatch(/^[0-9]{6}$/)
      expect(JSON.parse(cliLines.at(-1)!), report).toEqual({ access_token: expect.any(String), expires_in: 3600 })
      expect(cli, report).toHaveLength(1)
      // The time jump: the clock moved, the old idToken is refused, the CLI prints the code for sandbox time.
      expect(jump![0], report).toMatchObject({ now: expect.any(String), offsetSeconds: 3660 })
      const jumpLines = outputs[5]!.trim().split("\n")
      expect(jumpLines, report).toContain("old idToken: 403")
      expect(jumpLines.at(-1), report).toMatch(/^[0-9]{6}$/)
      // On stderr at most that one line (and bin/rampart.mjs's notice when it rebuilds a stale dist/).
      const notices = run.stderr.split("\n").filter((line) =>
        line !== "" && !line.startsWith("rampart: building dist/")
      )
      expect(notices.length, report).toBeLessThanOrEqual(1)
      for (const line of notices) {
        expect(line, report).toMatch(
          /^rampart: security code refused \(this 30 s step was already used\?\); retrying with the next step in \d+ s$/
        )
      }
    } finally {
      server.kill("SIGTERM")
      await exited
    }
  }, 180_000)
})
