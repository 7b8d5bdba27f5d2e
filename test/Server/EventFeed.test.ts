/**
 * The production security-event feed against a real HTTP receiver (node:http) that fails, hangs and
 * restarts: every stored event arrives, in order, at least once, each POST signed so that
 * `verifyEventSignature` (what a receiver imports from `rampart`) accepts it; a hung receiver never
 * holds up a login; a restarted server resumes after the last acknowledged event; one sender at a
 * time by the lease in the store; a URL without its secret stops the start, naming the variable.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Either, Layer, Option, Redacted } from "effect"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { EVENT_SIGNATURE_HEADER, verifyEventSignature } from "rampart"
import { serverSettings } from "../../src/Server/Config.js"
import { generateMasterKeyBase64 } from "../../src/Server/Crypto/MasterKey.js"
import { generateSigningJwk } from "../../src/Server/Crypto/SigningKey.js"
import { EVENT_FEED_LEASE, EventFeedRepo } from "../../src/Server/Events/EventFeedRepo.js"
import { LeasesRepo } from "../../src/Server/Store/LeasesRepo.js"
import { call } from "../support/Http.js"
import { startServer } from "../support/Server.js"
import { layerTestServices, testSettings } from "../support/Services.js"
import { freshPostgresUrl, freshSqliteUrl, storeKinds, testPostgresUrl } from "../support/Stores.js"

const secret = "a receiver's shared secret, 32+"
const password = "correct horse battery"

type Mode = "ok" | "fail" | "hang"

/** A receiver on a fixed port: records every POST (body, signature, whether acknowledged); its mode decides the answer. */
const receiver = () => {
  const state = {
    mode: "ok" as Mode,
    failNext: 0,
    received: [] as Array<{ readonly body: string; readonly signature: string | undefined; acknowledged: boolean }>
  }
  let server: Server | undefined
  const handle = (request: IncomingMessage, response: ServerResponse) => {
    let body = ""
    request.on("data", (chunk) => (body += chunk))
    request.on("end", () => {
      const signature = request.headers[EVENT_SIGNATURE_HEADER.toLowerCase()] as string | undefined
      const entry = { body, signature, acknowledged: false }
      state.received.push(entry)
      if (state.mode === "hang") return
      if (state.failNext > 0) {
        state.failNext--
        return void response.writeHead(503).end()
      }
      entry.acknowledged = true
      response.writeHead(204).end()
    })
  }
  let port = 0
  const start = () =>
    new Promise<void>((resolve) => {
      server = createServer(handle)
      server.listen(port, "127.0.0.1", () => {
        port = (server!.address() as AddressInfo).port
        resolve()
      })
    })
  const stop = () =>
    new Promise<void>((resolve) => {
      server!.closeAllConnections()
      server!.close(() => resolve())
    })
  return { state, start, stop, url: () => `http://127.0.0.1:${port}/rampart-events` }
}

/** The ids of the acknowledged deliveries, in arrival order. */
const acknowledgedIds = (state: ReturnType<typeof receiver>["state"]) =>
  state.received.filter((entry) => entry.acknowledged).flatMap((entry) =>
    (JSON.parse(entry.body) as Array<{ id: number }>).map((event) => event.id)
  )

const until = async (probe: () => boolean, what: string, timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

const fastTiming = {
  pollInterval: Duration.millis(40),
  lease: Duration.seconds(2),
  requestTimeout: Duration.millis(300),
  backoff: Duration.millis(40),
  maxBackoff: Duration.millis(200),
  batchSize: 3
}

const cleanups: Array<() => Promise<void>> = []
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
})

describe("the security-event feed (RAMPART_EVENTS_WEBHOOK_URL)", () => {
  it(
    "delivers every event in order, signed, through failures, a hang and a receiver restart; resumes after a server restart",
    async () => {
      const sink = receiver()
      await sink.start()
      cleanups.push(() => sink.stop().catch(() => undefined))
      const settings = testSettings(freshSqliteUrl(), {
        eventsWebhook: Option.some({ url: sink.url(), secret: Redacted.make(secret) }),
        eventFeedTiming: fastTiming
      })
      let server = await startServer(settings.databaseUrl!, settings)
      const login = (pw = password) =>
        call(server.url, "POST", "/auth/login", { body: { email: "feed@example.com", password: pw } })
      await call(server.url, "POST", "/sandbox/users", { body: { email: "feed@example.com", password } })
      // Failures first, then a hang: logins still answer at once.
      sink.state.failNext = 2
      for (let i = 0; i < 4; i++) expect((await login()).status).toBe(200)
      expect((await login("wrong password!")).status).toBe(403)
      await until(() => sink.state.received.length >= 3, "the failed attempts")
      sink.state.mode = "hang"
      const during = Date.now()
      expect((await login()).status).toBe(200)
      expect(Date.now() - during).toBeLessThan(2_000)
      await new Promise((resolve) => setTimeout(resolve, 400)) // at least one POST timed out
      // The receiver restarts (same port), and answers again.
      await sink.stop()
      sink.state.mode = "ok"
      await sink.start()
      const stored = async () =>
        (await call(server.url, "GET", "/sandbox/events")).body as Array<{ id: number; type: string }>
      const all = await stored()
      expect(all.length).toBeGreaterThanOrEqual(6)
      await until(() => acknowledgedIds(sink.state).at(-1) === all.at(-1)!.id, "every event acknowledged")
      const ids = acknowledgedIds(sink.state)
      expect(ids).toEqual(all.map((event) => event.id)) // in order, each acknowledged once
      for (const entry of sink.state.received) {
        expect(verifyEventSignature(secret, entry.signature, entry.body)).toBe(true)
        expect(verifyEventSignature("another secret, same length!!", entry.signature, entry.body)).toBe(false)
        expect(verifyEventSignature(secret, entry.signature, entry.body + " ")).toBe(false)
        expect(JSON.stringify(entry.body)).not.toContain(password)
      }
      // A server restart on the same store resumes after the last acknowledged event.
      await server.close()
      const before = sink.state.received.filter((entry) => entry.acknowledged).length
      server = await startServer(settings.databaseUrl!, settings)
      cleanups.push(() => server.close())
      expect((await login()).status).toBe(200)
      const latest = (await stored()).at(-1)!.id
      await until(() => acknowledgedIds(sink.state).at(-1) === latest, "the new event")
      const after = sink.state.received.filter((entry) => entry.acknowledged).slice(before)
      expect(after.flatMap((entry) => (JSON.parse(entry.body) as Array<{ id: number }>).map((event) => event.id)))
        .toEqual([latest])
    },
    60_000
  )

  it("a URL without its secret stops the start, naming RAMPART_EVENTS_WEBHOOK_SECRET", async () => {
    const read = (entries: ReadonlyArray<readonly [string, string]>) =>
      Effect.runPromise(
        Effect.either(Effect.withConfigProvider(serverSettings, ConfigProvider.fromMap(new Map(entries))))
      )
    const missing = await read([["RAMPART_EVENTS_WEBHOOK_URL", "https://siem.example.com/in"]])
    expect(Either.isLeft(missing) && String(missing.left)).toContain("RAMPART_EVENTS_WEBHOOK_SECRET")
    const short = await read([["RAMPART_EVENTS_WEBHOOK_URL", "https://siem.example.com/in"], [
      "RAMPART_EVENTS_WEBHOOK_SECRET",
      "short"
    ]])
    expect(Either.isLeft(short)).toBe(true)
    const ok = await read([["RAMPART_EVENTS_WEBHOOK_URL", "https://siem.example.com/in"], [
      "RAMPART_EVENTS_WEBHOOK_SECRET",
      secret
    ]])
    expect(Either.isRight(ok) && Option.isSome(ok.right.eventsWebhook)).toBe(true)
  })
})

describe.skipIf(testPostgresUrl === undefined)(
  "the security-event feed with two instances on one PostgreSQL store",
  () => {
    it(
      "both running: every event acknowledged once, in order; the second takes over when the first stops",
      async () => {
        const sink = receiver()
        await sink.start()
        cleanups.push(() => sink.stop().catch(() => undefined))
        const url = await freshPostgresUrl()
        const keys = {
          secretKey: Option.some(Redacted.make(generateMasterKeyBase64())),
          signingKey: Option.some(Redacted.make(generateSigningJwk()))
        }
        const settings = {
          ...keys,
          eventsWebhook: Option.some({ url: sink.url(), secret: Redacted.make(secret) }),
          eventFeedTiming: { ...fastTiming, lease: Duration.millis(400) }
        }
        const a = await startServer(url, settings)
        const b = await startServer(url, settings)
        cleanups.push(() => b.close())
        const login = (server: typeof a, pw = password) =>
          call(server.url, "POST", "/auth/login", { body: { email: "two@example.com", password: pw } })
        await call(a.url, "POST", "/sandbox/users", { body: { email: "two@example.com", password } })
        for (let i = 0; i < 6; i++) expect((await login(i % 2 === 0 ? a : b)).status).toBe(200)
        const stored = async () => (await call(b.url, "GET", "/sandbox/events")).body as Array<{ id: number }>
        const firstIds = (await stored()).map((event) => event.id)
        await until(() => acknowledgedIds(sink.state).at(-1) === firstIds.at(-1), "every event of both instances")
        expect(acknowledgedIds(sink.state)).toEqual(firstIds)
        // The first stops: the second takes the lease over when it expires and delivers what follows.
        await a.close()
        expect((await login(b, "wrong password!")).status).toBe(403)
        const all = (await stored()).map((event) => event.id)
        await until(() => acknowledgedIds(sink.state).at(-1) === all.at(-1), "the event after the handover")
        expect(acknowledgedIds(sink.state)).toEqual(all)
      },
      60_000
    )
  }
)

describe.each(storeKinds)("the background jobs' leases on %s", (_kind, fresh) => {
  it.scoped("one holder at a time: taken when free or expired, renewed by its owner; the feed's cursor moved only by its holder", () =>
    Effect.gen(function*() {
      const url = yield* Effect.promise(fresh)
      const context = yield* Layer.build(
        Layer.mergeAll(EventFeedRepo.Default, LeasesRepo.Default).pipe(Layer.provide(layerTestServices(url)))
      )
      const { feed, leases } = yield* Effect.provide(Effect.all({ feed: EventFeedRepo, leases: LeasesRepo }), context)
      expect(yield* leases.take(EVENT_FEED_LEASE, "a", 1_000, 31_000)).toBe(true)
      expect(yield* leases.take(EVENT_FEED_LEASE, "b", 2_000, 32_000)).toBe(false)
      expect(yield* leases.take("pruner", "b", 2_000, 32_000)).toBe(true) // another job's lease is its own
      expect(yield* leases.take(EVENT_FEED_LEASE, "a", 3_000, 33_000)).toBe(true)
      expect(yield* feed.advance("a", 5)).toBe(true)
      expect(yield* feed.advance("b", 9)).toBe(false)
      expect(yield* leases.take(EVENT_FEED_LEASE, "b", 34_000, 64_000)).toBe(true) // a's lease ran out
      expect(yield* feed.cursor).toBe(5)
      expect(yield* feed.advance("a", 7)).toBe(false)
      yield* leases.release(EVENT_FEED_LEASE, "b")
      expect(yield* leases.take(EVENT_FEED_LEASE, "a", 35_000, 65_000)).toBe(true)
    }))
})
