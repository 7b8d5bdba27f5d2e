/**
 * `SandboxClient` against the real in-process server (every sandbox call, 404 in production), its
 * retry policy, and the clock that follows sandbox time: `OffsetClock`'s sleeps under `TestClock`,
 * and `TokenKeeper`'s background renewal waking on a jump of the real sandbox.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Clock, Duration, Effect, Exit, Fiber, Option, Redacted, TestClock } from "effect"
import { AuthClient, isRetrySafe } from "../../src/Client/AuthClient.js"
import { makeOffsetClock } from "../../src/Client/OffsetClock.js"
import { SandboxClient } from "../../src/Client/SandboxClient.js"
import { makeTokenKeeper } from "../../src/Client/TokenKeeper.js"
import { type RunningServer, startProductionServer, startServer } from "../support/Server.js"
import { freshSqliteUrl } from "../support/Stores.js"

const PASSWORD = Redacted.make("sandbox client 1")
let counter = 0
const email = (tag: string) => `${tag}-${Date.now().toString(36)}-${counter++}@example.com`

/** Runs `effect` with a `SandboxClient` (and its `AuthClient`) for `url`. */
const withSandbox = <A, E>(url: string, effect: Effect.Effect<A, E, SandboxClient | AuthClient>) =>
  Effect.runPromise(
    effect.pipe(Effect.provide(SandboxClient.Default), Effect.provide(AuthClient.layer({ baseUrl: url })))
  )

describe("OffsetClock", () => {
  it.effect("reads base time + offset; a sleep ends when the offset jumps past its end, not before", () =>
    Effect.gen(function*() {
      const following = makeOffsetClock(yield* Effect.clock)
      const base = yield* Clock.currentTimeMillis
      expect(following.clock.unsafeCurrentTimeMillis()).toBe(base)
      const sleeper = yield* Effect.fork(following.clock.sleep(Duration.minutes(10)))
      yield* Effect.yieldNow() // the sleeper starts: it ends at base + 10 minutes
      yield* following.setOffset(5 * 60_000) // half-way: still asleep
      yield* TestClock.adjust("1 second")
      expect(Option.isNone(yield* Fiber.poll(sleeper))).toBe(true)
      yield* following.setOffset(10 * 60_000) // past its end: wakes without base time passing
      expect(Exit.isSuccess(yield* Fiber.await(sleeper))).toBe(true)
      expect(following.clock.unsafeCurrentTimeMillis()).toBe(base + 1000 + 10 * 60_000)
    }))

  it.effect("without a jump a sleep lasts its duration of base time; moving the offset back makes it longer", () =>
    Effect.gen(function*() {
      const following = makeOffsetClock(yield* Effect.clock, 60_000)
      const sleeper = yield* Effect.fork(following.clock.sleep(Duration.seconds(30)))
      yield* TestClock.adjust("20 seconds")
      yield* following.setOffset(50_000) // 10 s back
      yield* TestClock.adjust("10 seconds")
      expect(Option.isNone(yield* Fiber.poll(sleeper))).toBe(true)
      yield* TestClock.adjust("10 seconds")
      expect(Exit.isSuccess(yield* Fiber.await(sleeper))).toBe(true)
    }))
})

describe("SandboxClient retry policy", () => {
  it("sandbox reads are retry-safe; its writes are not", () => {
    const request = (method: "GET" | "POST" | "DELETE", path: string) =>
      ({ method, url: `http://127.0.0.1:8080${path}` }) as HttpClientRequest.HttpClientRequest
    for (
      const path of ["/sandbox/clock", "/sandbox/accounts", "/sandbox/events?after=3", "/sandbox/outbox", "/sandbox"]
    ) {
      expect(isRetrySafe(request("GET", path)), path).toBe(true)
    }
    for (
      const [method, path] of [
        ["POST", "/sandbox/clock"],
        ["POST", "/sandbox/reset"],
        ["POST", "/sandbox/faults"],
        ["DELETE", "/sandbox/faults"],
        ["POST", "/sandbox/users"],
        ["POST", "/sandbox/partners"]
      ] as const
    ) {
      expect(isRetrySafe(request(method, path)), `${method} ${path}`).toBe(false)
    }
  })
})

describe("SandboxClient against the in-process sandbox", () => {
  let server: RunningServer
  beforeAll(async () => {
    server = await startServer(freshSqliteUrl())
  })
  afterAll(() => server.close())

  it("every call: users, partners, accounts, outbox, clock, faults, events, reset", async () => {
    const user = email("user")
    const partner = email("partner")
    const result = await withSandbox(
      server.url,
      Effect.gen(function*() {
        const sandbox = yield* SandboxClient
        const profile = yield* sandbox.createUser({ email: user, password: PASSWORD })
        const taken = yield* Effect.flip(sandbox.createUser({ email: user, password: PASSWORD }))
        const credentials = yield* sandbox.createPartner({
          email: partner,
          password: PASSWORD,
          totp_secret: "jbsw y3dp ehpk 3pxp"
        })
        const accounts = yield* sandbox.accounts
        const outbox = yield* sandbox.outbox(user)
        const start = yield* sandbox.clock
        const jumped = yield* sandbox.advance(3600)
        const followed = (yield* Effect.withClock(Clock.currentTimeMillis, sandbox.sandboxClock)) - Date.now()
        const fault = yield* sandbox.addFault({ method: "GET", path: "/health", status: 503, count: 1 })
        yield* sandbox.clearFaults
        const events = yield* sandbox.events()
        const later = yield* sandbox.events(Number.MAX_SAFE_INTEGER)
        yield* sandbox.reset
        const afterReset = yield* sandbox.clock
        const resetFollowed = (yield* Effect.withClock(Clock.currentTimeMillis, sandbox.sandboxClock)) - Date.now()
        const gone = yield* sandbox.accounts
        return {
          profile,
          taken,
          credentials,
          accounts,
          outbox,
          start,
          jumped,
          followed,
          fault,
          events,
          later,
          afterReset,
          resetFollowed,
          gone
        }
      })
    )
    expect(result.profile.email).toBe(user)
    expect(result.taken._tag).toBe("AlreadyConfigured")
    expect(result.credentials.totp_secret).toBe("JBSWY3DPEHPK3PXP")
    expect(result.accounts.users.map((u) => u.email)).toEqual(expect.arrayContaining([user, partner]))
    expect(result.outbox).toEqual([])
    expect(result.start.offsetSeconds).toBe(0)
    expect(result.jumped.offsetSeconds).toBe(3600)
    expect(Math.abs(result.jumped.now.getTime() - Date.now() - 3_600_000)).toBeLessThan(5_000)
    expect(Math.abs(result.followed - 3_600_000)).toBeLessThan(1_000)
    expect(result.fault.id).toMatch(/\S/)
    expect(Array.isArray(result.events)).toBe(true)
    expect(result.later).toEqual([])
    expect(result.afterReset.offsetSeconds).toBe(0)
    expect(Math.abs(result.resetFollowed)).toBeLessThan(1_000)
    expect(result.gone.users.map((u) => u.email)).not.toContain(user)
  })

  it("a payload out of range is a typed ParseError naming the field, before anything is sent", async () => {
    const refused = await withSandbox(
      server.url,
      Effect.flip(Effect.flatMap(SandboxClient, (sandbox) => sandbox.advance(0)))
    )
    expect(refused._tag).toBe("ParseError")
    expect(JSON.stringify(refused)).toContain("advanceSeconds")
  })

  it("layerClock: TokenKeeper's background renewal, asleep until its lease is due, wakes when the sandbox jumps", async () => {
    const acquired: Array<number> = []
    const renewals = await Effect.runPromise(
      Effect.gen(function*() {
        const sandbox = yield* SandboxClient
        const { httpClient } = yield* AuthClient
        yield* makeTokenKeeper({
          name: "Probe",
          acquire: () =>
            Effect.map(Clock.currentTimeMillis, (sentAt) => {
              acquired.push(sentAt)
              return {
                value: { token: Redacted.make(`token-${acquired.length}`) },
                sentAt,
                lifetime: Duration.hours(1)
              }
            }),
          margin: Duration.minutes(1),
          httpClient,
          isFatal: () => true
        })
        yield* Effect.sleep("100 millis") // the background fiber is asleep, due in 59 minutes
        expect(acquired).toHaveLength(1)
        yield* sandbox.advance(60 * 60)
        // Nobody asks for the token: only the woken background fiber can renew it.
        const deadline = Date.now() + 3_000
        while (acquired.length < 2 && Date.now() < deadline) {
          yield* Effect.promise(() => new Promise((r) => setTimeout(r, 20)))
        }
        return acquired.length
      }).pipe(
        Effect.scoped,
        Effect.provide(SandboxClient.layerClock),
        Effect.provide(SandboxClient.Default),
        Effect.provide(AuthClient.layer({ baseUrl: server.url }))
      )
    )
    expect(renewals).toBe(2)
    // The renewal happened at sandbox time, an hour ahead of the first acquisition.
    expect(acquired[1]! - acquired[0]!).toBeGreaterThanOrEqual(3_600_000)
  })

  it("under layerClock, a jump does not end an attempt in flight: AuthClient's timeout runs on the clock it was built with", async () => {
    let attempts = 0
    const health = await Effect.runPromise(
      Effect.gen(function*() {
        const sandbox = yield* SandboxClient
        const client = yield* AuthClient
        yield* sandbox.addFault({ method: "GET", path: "/health", delayMs: 1_000, count: 1 })
        const call = yield* Effect.fork(client.operations.health())
        yield* Effect.promise(() => new Promise((r) => setTimeout(r, 200)))
        yield* sandbox.advance(3600) // an hour of sandbox time: far past the 2 s timeout
        return yield* Fiber.join(call)
      }).pipe(
        Effect.provide(SandboxClient.layerClock),
        Effect.provide(SandboxClient.Default),
        Effect.provide(
          AuthClient.layer({
            baseUrl: server.url,
            timeout: "2 seconds",
            transformClient: (client) =>
              HttpClient.transform(
                client,
                (attempt, request) =>
                  Effect.zipRight(
                    Effect.sync(() => (request.url.endsWith("/health") ? attempts++ : undefined)),
                    attempt
                  )
              )
          })
        )
      )
    )
    expect(health.status).toBe("ok")
    expect(attempts).toBe(1) // one attempt, answered after its delay: not timed out and retried
  })

  it("layerClockPolling: a jump made by someone else is seen within the polling interval", async () => {
    const seen = await Effect.runPromise(
      Effect.gen(function*() {
        const before = (yield* Clock.currentTimeMillis) - Date.now()
        // Another client (curl, the sandbox page) moves the clock.
        yield* Effect.promise(() =>
          fetch(`${server.url}/sandbox/clock`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ advanceSeconds: 600 })
          })
        )
        const deadline = Date.now() + 3_000
        let after = before
        while (after - before < 600_000 && Date.now() < deadline) {
          yield* Effect.promise(() => new Promise((r) => setTimeout(r, 20)))
          after = (yield* Clock.currentTimeMillis) - Date.now()
        }
        return after - before
      }).pipe(
        Effect.provide(SandboxClient.layerClockPolling("100 millis")),
        Effect.provide(SandboxClient.Default),
        Effect.provide(AuthClient.layer({ baseUrl: server.url }))
      )
    )
    expect(Math.abs(seen - 600_000)).toBeLessThan(1_000)
  })
})

describe("SandboxClient in production", () => {
  let server: RunningServer
  beforeAll(async () => {
    server = await startProductionServer()
  })
  afterAll(() => server.close())

  it("every call fails with NotFound, and layerClock does not build", async () => {
    const failures = await withSandbox(
      server.url,
      Effect.gen(function*() {
        const sandbox = yield* SandboxClient
        return yield* Effect.all(
          [
            sandbox.clock,
            sandbox.advance(60),
            sandbox.reset,
            sandbox.accounts,
            sandbox.outbox(),
            sandbox.events(),
            sandbox.clearFaults
          ].map(
            (call) =>
              Effect.map(Effect.flip(call as Effect.Effect<unknown, { readonly _tag: string }>), (error) => error._tag)
          )
        )
      })
    )
    expect(failures).toEqual(Array(7).fill("NotFound"))
    const clock = await withSandbox(server.url, Effect.flip(Effect.provide(Effect.void, SandboxClient.layerClock)))
    expect(clock._tag).toBe("NotFound")
  })
})
