/**
 * Each rule of SPEC's security section, on the real services and store, driven by TestClock.
 * Runs on SQLite, and on PostgreSQL when RAMPART_TEST_DATABASE_URL is set.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Redacted, TestClock } from "effect"
import { PartnerLoginRequest } from "../../src/Domain/Partner.js"
import { Accounts } from "../../src/Server/Accounts/Accounts.js"
import { OtpChallenges } from "../../src/Server/Otp/OtpChallenges.js"
import { OtpMethods } from "../../src/Server/Otp/OtpMethods.js"
import { Partners } from "../../src/Server/Partners/Partners.js"
import { Sandbox } from "../../src/Server/Sandbox/Sandbox.js"
import {
  lastCode,
  newUser,
  onFreshStore,
  partnerLoginRequest,
  startClock,
  totpNow,
  userIdOf,
  userWithEmailCode,
  userWithTotp
} from "../support/Services.js"
import { storeKinds } from "../support/Stores.js"

const seconds = (n: number) => TestClock.adjust(`${n} seconds`)
const minutes = (n: number) => TestClock.adjust(`${n} minutes`)
/** A 6-digit code different from `code`. */
const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, "0")

describe.each(storeKinds)("security rules on %s", (_kind, fresh) => {
  const run = onFreshStore(fresh)

  it.effect("an EMAIL code is valid at 4:59 and dead at 5:01", () =>
    run(
      Effect.gen(function*() {
        yield* startClock
        const otp = yield* OtpChallenges
        const a = yield* userWithEmailCode
        expect(a.status.validUntil.getTime() - Date.UTC(2026, 0, 1)).toBe(5 * 60_000)
        expect(a.code).toMatch(/^[0-9]{6}$/)
        yield* seconds(4 * 60 + 59)
        const ok = yield* otp.verify(a.userId, "EMAIL", a.code)
        expect(ok.hasValidatedEmail).toBe(true)

        const b = yield* userWithEmailCode
        yield* seconds(5 * 60 + 1)
        const late = yield* Effect.flip(otp.verify(b.userId, "EMAIL", b.code))
        expect(late._tag).toBe("InvalidOtp")
      })
    ))

  it.effect("a code is single use and dies after 5 wrong tries", () =>
    run(
      Effect.gen(function*() {
        yield* startClock
        const otp = yield* OtpChallenges
        const a = yield* userWithEmailCode
        for (let i = 0; i < 5; i++) {
          expect((yield* Effect.flip(otp.verify(a.userId, "EMAIL", wrong(a.code))))._tag).toBe("InvalidOtp")
        }
        expect((yield* Effect.flip(otp.verify(a.userId, "EMAIL", a.code)))._tag).toBe("InvalidOtp")

        const b = yield* userWithEmailCode
        yield* otp.verify(b.userId, "EMAIL", b.code)
        // verified once; the channel is now validated, the code cannot serve again
        expect((yield* Effect.flip(otp.verify(b.userId, "EMAIL", b.code)))._tag).toBe("AlreadyConfigured")
      })
    ))

  it.effect("10 consecutive failures lock verification for 15 minutes; new codes do not reset it", () =>
    run(
      Effect.gen(function*() {
        yield* startClock
        const otp = yield* OtpChallenges
        const a = yield* userWithEmailCode
        // two codes' worth of wrong tries (5 each), asking for a new code in between
        for (let i = 0; i < 5; i++) yield* Effect.flip(otp.verify(a.userId, "EMAIL", wrong(a.code)))
        yield* seconds(60)
        yield* otp.request(a.userId, "EMAIL")
        const second = yield* lastCode(a.email)
        for (let i = 0; i < 4; i++) {
          expect((yield* Effect.flip(otp.verify(a.userId, "EMAIL", wrong(second))))._tag).toBe("InvalidOtp")
        }
        const tenth = yield* Effect.flip(otp.verify(a.userId, "EMAIL", wrong(second)))
        expect(tenth._tag).toBe("InvalidOtp")
        // locked from t = 60 s until t = 960 s; a code requested at 14:00 is refused at 14:59, accepted at 15:00
        yield* seconds(14 * 60)
        yield* otp.request(a.userId, "EMAIL")
        const third = yield* lastCode(a.email)
        yield* seconds(59)
        const locked = yield* Effect.flip(otp.verify(a.userId, "EMAIL", third))
        expect(locked).toMatchObject({ _tag: "AttemptsExhausted", retryAfterSeconds: 1 })
        yield* seconds(1)
        const ok = yield* otp.verify(a.userId, "EMAIL", third)
        expect(ok.hasValidatedEmail).toBe(true)
      })
    ))

  it.effect("a success resets the consecutive-failure count", () =>
    run(
      Effect.gen(function*() {
        yield* startClock
        const otp = yield* OtpChallenges
        const methods = yield* OtpMethods
        const { userId, secret } = yield* userWithTotp
        for (let i = 0; i < 9; i++) yield* Effect.flip(otp.verify(userId, "TOTP", wrong(yield* totpNow(secret))))
        yield* otp.verify(userId, "TOTP", yield* totpNow(secret))
        yield* seconds(30)
        // nine more failures after the success do not lock (the count restarted)
        for (let i = 0; i < 9; i++) {
          expect((yield* Effect.flip(methods.deleteTotp(userId, wrong(yield* totpNow(secret)))))._tag).toBe(
            "InvalidOtp"
          )
        }
        const deleted = yield* methods.deleteTotp(userId, yield* totpNow(secret))
        expect(deleted.hasValidatedSecret).toBe(false)
      })
    ))

  it.effect("resend: 60 s spacing and 5 sends per rolling hour, retryAfterSeconds exact", () =>
    run(
      Effect.gen(function*() {
        yield* startClock
        const otp = yield* OtpChallenges
        const { email } = yield* newUser()
        const userId = yield* userIdOf(email)
        yield* otp.request(userId, "EMAIL") // t = 0
        yield* seconds(17)
        expect(yield* Effect.flip(otp.request(userId, "EMAIL"))).toMatchObject({
          _tag: "AttemptsExhausted",
          retryAfterSeconds: 43
        })
        yield* seconds(43) // t = 60
        yield* otp.request(userId, "EMAIL")
        for (let i = 0; i < 3; i++) {
          yield* minutes(1)
          yield* otp.request(userId, "EMAIL") // t = 120, 180, 240
        }
        yield* seconds(100) // t = 340: five sends in the hour (0, 60, 120, 180, 240)
        expect(yield* Effect.flip(otp.request(userId, "EMAIL"))).toMatchObject({
          _tag: "AttemptsExhausted",
          retryAfterSeconds: 3600 - 340
        })
        yield* seconds(3600 - 340) // t = 3600: the send at 0 left the window
        const status = yield* otp.request(userId, "EMAIL")
        expect(status.channel).toBe("EMAIL")
      })
    ))

  it.effect("password login locks after 10 failures with the wrong-password body, opens after 15 minutes", () =>
    run(
      Effect.gen(function*() {
        yield* startClock
        const accounts = yield* Accounts
        const { email, password } = yield* newUser()
        const unknown = yield* Effect.flip(accounts.login("nobody@example.com", Redacted.make(password), null))
        const wrongPassword = yield* Effect.flip(accounts.login(email, Redacted.make("wrong password"), null))
        expect(unknown).toEqual(wrongPassword)
        for (let i = 0; i < 9; i++) yield* Effect.flip(accounts.login(email, Redacted.make("wrong password"), null))
        const locked = yield* Effect.flip(accounts.login(email, Redacted.make(password), null))
        expect(locked).toEqual(wrongPassword)
        yield* seconds(15 * 60 - 1)
        expect(yield* Effect.flip(accounts.login(email, Redacted.make(password), null))).toEqual(wrongPassword)
        yield* seconds(1)
        const ok = yield* accounts.login(email, Redacted.make(password), "vitest")
        expect(ok.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/)
        const profile = yield* accounts.profile(yield* userIdOf(email))
        expect(profile.lastLoggedDevice).toBe("vitest")
        expect(profile.lastLoggedDate?.getTime()).toBe(Date.UTC(2026, 0, 1) + 15 * 60_000 + 10 * 0)
      })
    ))

  it.effect("TOTP codes are single use: the same step and any earlier step are refused", () =>
    run(
      Effect.gen(function*() {
        yield* startClock
        const otp = yield* OtpChallenges
        const methods = yield* OtpMethods
        const { userId, secret } = yield* userWithTotp
        yield* seconds(30)
        const previous = yield* totpNow(secret)
        yield* seconds(30)
        const current = yield* totpNow(secret)
        yield* otp.verify(userId, "TOTP", current)
        expect((yield* Effect.flip(methods.deleteTotp(userId, current)))._tag).toBe("InvalidOtp")
        expect((yield* Effect.flip(methods.deleteTotp(userId, previous)))._tag).toBe("InvalidOtp")
        yield* seconds(30)
        expect((yield* methods.deleteTotp(userId, yield* totpNow(secret))).hasValidatedSecret).toBe(false)
      })
    ))

  it.effect("partner login: credentials first (no TOTP oracle), then a single-use security code", () =>
    run(
      Effect.gen(function*() {
        yield* startClock
        const partners = yield* Partners
        const sandbox = yield* Sandbox
        const password = "partner password 1"
        const creds = yield* sandbox.createPartner("p@example.com", Redacted.make(password))
        yield* seconds(30)
        const code = yield* totpNow(creds.totp_secret)
        const request = (overrides: Partial<ConstructorParameters<typeof PartnerLoginRequest>[0]> = {}) =>
          new PartnerLoginRequest({
            email: "p@example.com",
            password: Redacted.make(password),
            client_id: creds.client_id,
            client_secret: Redacted.make(creds.client_secret),
            security_code: code,
            ...overrides
          })
        // wrong secret with the right code: 403, and the code is not consumed
        expect((yield* Effect.flip(partners.login(request({ client_secret: Redacted.make("x".repeat(43)) }))))._tag)
          .toBe(
            "AuthError"
          )
        expect((yield* Effect.flip(partners.login(request({ password: Redacted.make("nope nope") }))))._tag).toBe(
          "AuthError"
        )
        const session = yield* partners.login(request({ expires_in: 300 }))
        expect(session.expires_in).toBe(300)
        expect((yield* Effect.flip(partners.login(request())))._tag).toBe("InvalidOtp")
        const who = yield* partners.authenticate(Redacted.make(session.access_token))
        expect(who.clientId).toBe(creds.client_id)
        yield* seconds(300)
        expect((yield* Effect.flip(partners.authenticate(Redacted.make(session.access_token))))._tag).toBe("AuthError")
        const next = yield* partners.login(request({ security_code: yield* totpNow(creds.totp_secret) }))
        expect(next.expires_in).toBe(3600)
        const live = yield* partners.authenticate(Redacted.make(next.access_token))
        yield* partners.logout(live.sessionId)
        expect(Either.isLeft(yield* Effect.either(partners.authenticate(Redacted.make(next.access_token))))).toBe(true)
      })
    ))

  it.effect("partner failures of any field lock the client after 10 for 15 minutes", () =>
    run(
      Effect.gen(function*() {
        yield* startClock
        const partners = yield* Partners
        const creds = yield* (yield* Sandbox).createPartner("q@example.com", Redacted.make("partner password 2"))
        const request = (security_code: string, secret?: string) =>
          partnerLoginRequest("q@example.com", "partner password 2", creds, security_code, secret)
        for (let i = 0; i < 5; i++) yield* Effect.flip(partners.login(request("000000", "wrong secret")))
        for (let i = 0; i < 5; i++) {
          yield* Effect.flip(partners.login(request(wrong(yield* totpNow(creds.totp_secret)))))
        }
        const locked = yield* Effect.flip(partners.login(request(yield* totpNow(creds.totp_secret))))
        expect(locked).toMatchObject({ _tag: "AttemptsExhausted", retryAfterSeconds: 900 })
        yield* minutes(15)
        const ok = yield* partners.login(request(yield* totpNow(creds.totp_secret)))
        expect(ok.expires_in).toBe(3600)
      })
    ))
})
