/**
 * `Totp` and `PartnerSession` (Effect 4). `Totp`'s codes are oathtool's at every `TestClock` time
 * (the shared RFC 6238 arithmetic, checked against the reference implementation); the partner
 * session logs in against the Effect 3 server with a TOTP code made at `TestClock` time, renews by
 * logging in again when its time runs out (the server's sandbox clock moved by the same amount, so
 * both sides agree on the TOTP step), never sends two codes of one step, and logs out when its
 * scope closes.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import * as TestClock from "effect/testing/TestClock"
import type { ServerProcess } from "../../../test/support/ServerProcess.js"
import { AuthClient, PartnerSession, SandboxClient, Totp, TotpFormatError } from "../src/index.js"
import { oathtool, startReferenceServer } from "./support/Server.js"
import { eventually, makeTraffic } from "./support/Traffic.js"

let server: ServerProcess
beforeAll(async () => {
  server = await startReferenceServer()
})
afterAll(async () => {
  await server?.stop()
})

const PARTNER_LOGIN = ["POST", "/api/v1/partners/auth/login"] as const

describe("Totp (Effect 4)", () => {
  it.effect("gives oathtool's code at TestClock time, refuses a reused step and malformed secrets", () =>
    Effect.gen(function*() {
      const totp = yield* Totp
      const secret = yield* totp.generateSecret
      for (const t of [0, 59, 1_111_111_109, 1_234_567_890, 2_000_000_000]) {
        yield* TestClock.setTime(t * 1000)
        const code = yield* totp.generate(Redacted.make(secret))
        expect(code).toBe(yield* Effect.promise(() => oathtool(secret, t)))
        const step = yield* totp.verify({ secret, code })
        expect(step).toBe(Math.floor(t / 30))
        expect((yield* Effect.flip(totp.verify({ secret, code, afterStep: step })))._tag).toBe("InvalidOtp")
      }
      expect(yield* Effect.flip(totp.generate("not base32!"))).toBeInstanceOf(TotpFormatError)
    }).pipe(Effect.provide(Totp.layer)))
})

describe("PartnerSession (Effect 4) against the Effect 3 server", () => {
  it.effect("logs in with a TOTP code, renews with a later step when its time runs out, logs out at scope close", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Date.now())
      const traffic = makeTraffic()
      const client = yield* Layer.build(
        AuthClient.layer({ baseUrl: server.url, timeout: Duration.infinity, transformClient: traffic.transform })
      )
      const sandbox = yield* Layer.build(SandboxClient.layer).pipe(Effect.provide(client))
      const onSandbox = <A, E>(f: (s: SandboxClient["Service"]) => Effect.Effect<A, E>) =>
        Effect.provide(Effect.flatMap(SandboxClient, f), sandbox)
      const email = `partner-${Math.random().toString(36).slice(2)}@example.com`
      const password = "correct horse battery"
      const credentials = yield* onSandbox((s) => s.createPartner({ email, password: Redacted.make(password) }))

      const scope = yield* Scope.make()
      const session = yield* PartnerSession.make({
        email,
        password: Redacted.make(password),
        clientId: credentials.client_id,
        clientSecret: Redacted.make(credentials.client_secret),
        totpSecret: Redacted.make(credentials.totp_secret),
        expiresIn: 600
      }).pipe(Effect.provide(Totp.layer), Effect.provide(client), Scope.provide(scope))
      const first = Redacted.value(yield* session.accessToken)
      expect(traffic.of(...PARTNER_LOGIN).map((e) => e.status)).toEqual([200])

      // 540 s later on both sides, the session's last minute begins: a new login, with a later step's code.
      yield* onSandbox((s) => s.advance(540))
      yield* TestClock.adjust("540 seconds")
      expect(yield* eventually(() => traffic.of(...PARTNER_LOGIN).length === 2)).toBe(true)
      expect(traffic.of(...PARTNER_LOGIN).map((e) => e.status)).toEqual([200, 200])
      expect(Redacted.value(yield* session.accessToken)).not.toBe(first)

      yield* Scope.close(scope, Exit.void)
      expect(traffic.of("POST", "/api/v1/partners/auth/logout").map((e) => e.status)).toEqual([204])
      const events = (yield* onSandbox((s) => s.events())).filter((e) => e.clientId === credentials.client_id)
      expect(events.map((e) => e.type)).toEqual(["partner.login", "partner.login", "partner.logout"])
      yield* onSandbox((s) => s.reset)
    }))
})
