/**
 * The Effect 4 typed client against the Effect 3 reference server over loopback: typed answers and
 * typed errors of the contract, bad input as a typed `SchemaError` (never a defect), and the retry
 * policy (reads retried on 5xx, writes never), with faults armed through the sandbox.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import type { ServerProcess } from "../../../test/support/ServerProcess.js"
import { LoginRequest } from "../src/Domain/Credentials.js"
import { AlreadyConfigured, AuthError } from "../src/Domain/Errors.js"
import { AuthClient, isRetrySafe, SandboxClient } from "../src/index.js"
import { startReferenceServer } from "./support/Server.js"
import { makeTraffic } from "./support/Traffic.js"

let server: ServerProcess
beforeAll(async () => {
  server = await startReferenceServer()
})
afterAll(async () => {
  await server?.stop()
})

/** A client and the sandbox client over it, recording its traffic; retries without delays. */
const clients = () => {
  const traffic = makeTraffic()
  const client = AuthClient.layer({
    baseUrl: server.url,
    transformClient: traffic.transform,
    retry: Schedule.recurs(3)
  })
  return { traffic, layer: Layer.merge(client, SandboxClient.layer.pipe(Layer.provide(client))) }
}

const email = (name: string) => `${name}-${Math.random().toString(36).slice(2)}@example.com`

describe("AuthClient (Effect 4) against the Effect 3 server", () => {
  it.live("answers decode into the contract's classes; refusals are the contract's typed errors", () => {
    const { layer } = clients()
    return Effect.gen(function*() {
      const client = yield* AuthClient
      const sandbox = yield* SandboxClient
      expect((yield* client.operations.health()).status).toBe("ok")
      const address = email("typed")
      const profile = yield* sandbox.createUser({ email: address, password: Redacted.make("correct horse battery") })
      expect(profile.email).toBe(address)
      expect(profile.hasValidatedSecret).toBe(false)
      expect(profile.lastLoggedDate).toBeNull()
      const again = yield* Effect.flip(sandbox.createUser({ email: address, password: Redacted.make("another one!") }))
      expect(again).toBeInstanceOf(AlreadyConfigured)
      const refused = yield* Effect.flip(client.auth.login({
        payload: new LoginRequest({ email: address, password: Redacted.make("wrong password") })
      }))
      expect(refused).toBeInstanceOf(AuthError)
      const tokens = yield* client.auth.login({
        payload: new LoginRequest({ email: address, password: Redacted.make("correct horse battery") })
      })
      expect(tokens.idToken.split(".")).toHaveLength(3)
      // Without the idToken, the OTP group is refused by its security: AuthError, typed.
      expect(yield* Effect.flip(client.otp.requestCode({ query: { method: "EMAIL" } }))).toBeInstanceOf(AuthError)
      const events = yield* sandbox.events()
      expect(events.some((event) => event.type === "login.refused")).toBe(true)
      expect(events.every((event) => event.at instanceof Date)).toBe(true)
      const clock = yield* sandbox.clock
      expect(clock.offsetSeconds).toBe(0)
      expect(clock.now).toBeInstanceOf(Date)
    }).pipe(Effect.provide(layer))
  })

  it.live("a request the contract refuses is a typed SchemaError before it is sent", () => {
    const { layer, traffic } = clients()
    return Effect.gen(function*() {
      const client = yield* AuthClient
      const error = yield* Effect.flip(client.auth.login({
        payload: new LoginRequest({ email: "not an email", password: Redacted.make("x") }, { disableChecks: true })
      }))
      expect(error._tag).toBe("SchemaError")
      expect(traffic.of("POST", "/auth/login")).toHaveLength(0)
      const sandbox = yield* SandboxClient
      expect((yield* Effect.flip(sandbox.advance(0)))._tag).toBe("SchemaError")
    }).pipe(Effect.provide(layer))
  })

  it.live("reads are retried on 5xx and answer once the server recovers; writes are sent once", () => {
    const { layer, traffic } = clients()
    return Effect.gen(function*() {
      const client = yield* AuthClient
      const sandbox = yield* SandboxClient
      yield* sandbox.addFault({ method: "GET", path: "/health", status: 503, count: 2 })
      expect((yield* client.operations.health()).status).toBe("ok")
      expect(traffic.of("GET", "/health").map((e) => e.status)).toEqual([503, 503, 200])
      yield* sandbox.addFault({ method: "POST", path: "/auth/login", status: 503, count: 1 })
      const failed = yield* Effect.flip(client.auth.login({
        payload: new LoginRequest({ email: email("once"), password: Redacted.make("whatever") })
      }))
      // A 503 is the contract's ServiceUnavailable (the sandbox's 503 fault answers it, as an outage would).
      expect(failed._tag).toBe("ServiceUnavailable")
      expect(traffic.of("POST", "/auth/login").map((e) => e.status)).toEqual([503])
      yield* sandbox.clearFaults
    }).pipe(Effect.provide(layer))
  })

  it.live("SandboxClient.layerClock follows sandbox time: a sleeper on it wakes when the server's clock jumps past its end", () => {
    const { layer } = clients()
    return Effect.gen(function*() {
      const sandbox = yield* SandboxClient
      const sleeper = yield* Effect.forkChild(
        Effect.sleep("1 hour").pipe(Effect.provideService(Clock.Clock, sandbox.sandboxClock))
      )
      const time = yield* sandbox.advance(3600)
      expect(time.offsetSeconds).toBe(3600)
      yield* Fiber.join(sleeper) // woken by the jump, not by an hour of wall time
      const onSandboxTime = yield* Clock.currentTimeMillis.pipe(Effect.provide(SandboxClient.layerClock))
      expect(onSandboxTime - Date.now()).toBeGreaterThan(3_500_000)
      yield* sandbox.reset
      expect(sandbox.sandboxClock.currentTimeMillisUnsafe() - Date.now()).toBeLessThan(60_000)
    }).pipe(Effect.provide(layer))
  })

  it("the retry-safe routes are the shared list", () => {
    const request = (method: "GET" | "POST", url: string) => ({ method, url }) as Parameters<typeof isRetrySafe>[0]
    expect(isRetrySafe(request("GET", "http://h/health"))).toBe(true)
    expect(isRetrySafe(request("POST", "http://h/auth/login/refresh"))).toBe(true)
    expect(isRetrySafe(request("POST", "http://h/auth/login"))).toBe(false)
    expect(isRetrySafe(request("GET", "http://h/auth/otp/code?method=EMAIL"))).toBe(false)
  })
})
