/**
 * The Effect 4 recipes (editions/effect4/examples/, shown in docs/recipes/ beside the Effect 3 ones)
 * run here against the Effect 3 reference server; and each recipe page's Effect 4 snippet is code
 * of its example file, so the pages cannot drift from what runs.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import type { ServerProcess } from "../../../test/support/ServerProcess.js"
import * as enrolTotp from "../examples/enrol-totp.js"
import * as keepFresh from "../examples/keep-session-fresh.js"
import * as partnerSession from "../examples/partner-session.js"
import * as protectHttpApi from "../examples/protect-your-httpapi.js"
import * as requireFreshOtp from "../examples/require-fresh-otp.js"
import * as sandboxFaults from "../examples/sandbox-faults.js"
import * as sandboxTimeTravel from "../examples/sandbox-time-travel.js"
import * as stepUp from "../examples/step-up-email.js"
import * as typedErrors from "../examples/typed-errors.js"
import { AuthClient, SandboxClient } from "../src/index.js"
import { repositoryRoot, startReferenceServer } from "./support/Server.js"

/** The recipes that show both editions, by page. */
const recipes = [
  "keep-session-fresh",
  "typed-errors",
  "partner-session",
  "enrol-totp",
  "step-up-email",
  "protect-your-httpapi",
  "require-fresh-otp",
  "sandbox-faults",
  "sandbox-time-travel"
]

let server: ServerProcess
beforeAll(async () => {
  server = await startReferenceServer()
})
afterAll(async () => {
  await server?.stop()
})

const password = "recipe password 1"
/** Runs an effect needing the sandbox client of the server at `url` (the suite's by default). */
const onSandbox = <A, E>(f: (sandbox: SandboxClient["Service"]) => Effect.Effect<A, E>, url = server.url) =>
  Effect.runPromise(
    Effect.flatMap(Effect.service(SandboxClient), f).pipe(
      Effect.provide(SandboxClient.layer),
      Effect.provide(AuthClient.layer({ baseUrl: url }))
    )
  )
const newUser = async () => {
  const email = `recipe4-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}@example.com`
  await onSandbox((sandbox) => sandbox.createUser({ email, password: Redacted.make(password) }))
  return email
}

describe("the recipe pages' Effect 4 snippets", () => {
  it.each(recipes)("%s.md shows code of its example in editions/effect4/examples/", (name) => {
    const page = readFileSync(join(repositoryRoot, "docs/recipes", `${name}.md`), "utf8")
    const match = /<!-- effect4 -->\n```ts\n([\s\S]*?)```/.exec(page)
    expect(match, `${name}.md has no <!-- effect4 --> snippet`).not.toBeNull()
    const example = readFileSync(join(repositoryRoot, "editions/effect4/examples", `${name}.ts`), "utf8")
    for (const line of match![1]!.split("\n").map((l) => l.trim()).filter((l) => l !== "" && l !== "// ...")) {
      expect(example, `${name}: ${line}`).toContain(line)
    }
  })
})

describe("Effect 4 recipes against the Effect 3 server", () => {
  it("keeps a session fresh", async () => {
    const result = await Effect.runPromise(keepFresh.run(server.url, await newUser(), password))
    expect(result.channel).toBe("EMAIL")
    expect(result.tokenLength).toBeGreaterThan(100)
  })

  it("recovers typed errors by tag", async () => {
    const email = await newUser()
    const [[first, second], refused] = await Effect.runPromise(typedErrors.run(server.url, email, password))
    expect(first.sent).toBe(true)
    expect(second).toMatchObject({ sent: false })
    expect(second.sent === false && second.retryAfterSeconds).toBeGreaterThanOrEqual(59)
    expect(refused).toBe("refused: Invalid email or password")
  })

  it("runs a partner session with automatic security codes and logs out on close", async () => {
    const email = `partner-recipe4-${Date.now().toString(36)}@example.com`
    const creds = await onSandbox((sandbox) => sandbox.createPartner({ email, password: Redacted.make(password) }))
    const token = await Effect.runPromise(
      Effect.scoped(partnerSession.run(server.url, {
        email,
        password,
        clientId: creds.client_id,
        clientSecret: creds.client_secret,
        totpSecret: creds.totp_secret
      }))
    )
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const logout = await fetch(`${server.url}/api/v1/partners/auth/logout`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` }
    })
    expect(logout.status).toBe(403)
  })

  it("enrols and validates TOTP", async () => {
    const result = await Effect.runPromise(enrolTotp.run(server.url, await newUser(), password))
    expect(result.uri).toMatch(/^otpauth:\/\/totp\/Rampart:/)
    expect(result.hasValidatedSecret).toBe(true)
  })

  it("steps up with an EMAIL code in x-otp", async () => {
    const result = await Effect.runPromise(stepUp.run(server.url, await newUser(), password))
    expect(result.hasValidatedEmail).toBe(true)
  })

  it("protects your own HttpApi with Rampart idTokens: 200 with the token, AuthError without", async () => {
    const email = await newUser()
    const result = await Effect.runPromise(protectHttpApi.run(server.url, email, password))
    expect(result.balance).toMatchObject({ email, amount: 42 })
    expect(result.refused).toBe("AuthError")
  })

  it("faults: two 503s on login reach the caller as ServiceUnavailable one by one; two on refresh are retried away", async () => {
    const own = await startReferenceServer() // its faults are armed for every caller: a server of its own
    try {
      const counts = new Map<string, number>()
      const email = `faults-${Date.now().toString(36)}@example.com`
      const result = await Effect.runPromise(sandboxFaults.run(own.url, email, password, counts))
      expect(result.logins).toEqual(["ServiceUnavailable", "ServiceUnavailable", "logged in"])
      expect(counts.get("POST /auth/login")).toBe(3)
      expect(result.refreshed).toBe(true)
      expect(counts.get("POST /auth/login/refresh")).toBe(3)
    } finally {
      await own.stop()
    }
  })

  it("time travel: after a 61-minute jump the partner session logs in again with a code for sandbox time", async () => {
    const own = await startReferenceServer() // its clock moves: a server of its own
    try {
      const email = `travel-${Date.now().toString(36)}@example.com`
      const result = await Effect.runPromise(sandboxTimeTravel.run(own.url, { email, password }))
      expect(result.offsetSeconds).toBe(61 * 60)
      expect(result.before).toMatch(/^[A-Za-z0-9_-]{43}$/)
      expect(result.after).toMatch(/^[A-Za-z0-9_-]{43}$/)
      expect(result.after).not.toBe(result.before)
      // The old token: refused, its session expired at sandbox time (the server's 403 AuthError).
      expect(result.oldToken).toBe("AuthError")
    } finally {
      await own.stop()
    }
  })

  it("requires a fresh OTP before a withdrawal: an EMAIL code passes once, names EMAIL", async () => {
    const own = await startReferenceServer() // its clock moves: a server of its own
    try {
      const email = `withdrawal-${Date.now().toString(36)}@example.com`
      // The email is validated first (the step-up-email recipe); the next code may be sent 60 s later.
      await onSandbox((sandbox) => sandbox.createUser({ email, password: Redacted.make(password) }), own.url)
      expect((await Effect.runPromise(stepUp.run(own.url, email, password))).hasValidatedEmail).toBe(true)
      await onSandbox((sandbox) => sandbox.advance(61), own.url)
      const result = await Effect.runPromise(requireFreshOtp.run(own.url, email, password))
      expect(result.withdrawal).toMatchObject({ email, channel: "EMAIL", amount: 100 })
      expect(result.again).toBe("InvalidOtp")
    } finally {
      await own.stop()
    }
  })
})
