/**
 * A model-based test of the OTP state machine (issue 5, item 13): FastCheck generates sequences of
 * commands — request an EMAIL code, verify it with the right, a wrong or an older code, move the
 * TestClock by 1 s .. 20 min, create a TOTP secret, validate or delete it with a code of some time
 * step (or replay the last accepted one), step up with the latest EMAIL code, a wrong code or a TOTP
 * code of some step (issue 23: one code store, one budget) — and runs them against the real services on SQLite. A
 * small model of SPEC's rules (per-code tries, the account-wide budget and lock, resend spacing
 * and hourly window, code lifetime, the TOTP window and last accepted step) predicts each answer:
 * success or the error's `_tag` and exact `retryAfterSeconds`; after every step the stored counters
 * must match the model too.
 */
import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect, Either, FastCheck as fc, Runtime, TestClock } from "effect"
import type { UserId } from "../../src/Domain/Identity.js"
import { UsersRepo } from "../../src/Server/Accounts/UsersRepo.js"
import { OtpChallenges } from "../../src/Server/Otp/OtpChallenges.js"
import { OtpMethods } from "../../src/Server/Otp/OtpMethods.js"
import { StepUp } from "../../src/Server/Otp/StepUp.js"
import type { Sandbox } from "../../src/Server/Sandbox/Sandbox.js"
import { totpAt } from "../../src/Totp.js"
import { lastCode, newUser, onFreshStore, startClock, userIdOf } from "../support/Services.js"
import { freshSqliteUrl } from "../support/Stores.js"

// The numbers of SPEC's rules, written out here rather than imported, so the model is independent.
const SECOND = 1000
const MINUTE = 60 * SECOND
const CODE_TTL = 5 * MINUTE
const CODE_TRIES = 5
const RESEND_SPACING = MINUTE
const SENDS_PER_HOUR = 5
const HOUR = 60 * MINUTE
const LOCK_AFTER = 10
const LOCK_FOR = 15 * MINUTE
const STEP = 30 * SECOND

interface SentCode {
  readonly value: string
  readonly sentAt: number
  attempts: number
  consumed: boolean
}

/** What the model knows about one user. */
interface Model {
  now: number
  readonly sends: Array<number>
  readonly codes: Array<SentCode>
  emailVerified: boolean
  failures: number
  lockedUntil: number | null
  totp: { secret: string; verified: boolean; lastStep: number | null } | null
}

type Services = OtpChallenges | OtpMethods | StepUp | Sandbox | UsersRepo | SqlClient.SqlClient

/** The system under test: the services (through the test's runtime) and the user they act for. */
interface Real {
  readonly run: <A, E>(effect: Effect.Effect<A, E, Services>) => Promise<A>
  readonly userId: UserId
  readonly email: string
}

/** An answer: success, or a refusal's tag (and wait). */
type Outcome = { readonly _tag: "ok" } | { readonly _tag: string; readonly retryAfterSeconds?: number }
const ok: Outcome = { _tag: "ok" }

const ceilSeconds = (ms: number) => Math.ceil(ms / SECOND)
const totpCode = (secret: string, step: number) => Either.getOrThrow(totpAt(secret, (step * STEP) / SECOND))
const currentStep = (m: Model) => Math.floor(m.now / STEP)

/** Seconds until another EMAIL code may be sent, or undefined. */
const sendWait = (m: Model): number | undefined => {
  const recent = m.sends.filter((t) => t > m.now - HOUR).sort((x, y) => x - y)
  const candidates: Array<number> = []
  const last = recent.at(-1)
  if (last !== undefined) candidates.push(last + RESEND_SPACING)
  // With 5 sends inside the hour, the oldest of the last five must first leave the window.
  if (recent.length >= SENDS_PER_HOUR) candidates.push(recent[recent.length - SENDS_PER_HOUR]! + HOUR)
  const until = Math.max(m.now, ...candidates)
  if (until > m.now) {
    seen.add(
      recent.length >= SENDS_PER_HOUR && until === recent[recent.length - SENDS_PER_HOUR]! + HOUR
        ? "hourly window"
        : "60 s spacing"
    )
  }
  return until > m.now ? ceilSeconds(until - m.now) : undefined
}

/** One verification under the account-wide budget; `check` says whether the code verifies (and updates the model). */
const budgeted = (m: Model, check: () => boolean): Outcome => {
  if (m.lockedUntil !== null && m.lockedUntil > m.now) {
    seen.add("refused while locked")
    return { _tag: "AttemptsExhausted", retryAfterSeconds: ceilSeconds(m.lockedUntil - m.now) }
  }
  if (check()) {
    m.failures = 0
    return ok
  }
  m.failures++
  if (m.failures >= LOCK_AFTER) {
    m.failures = 0
    m.lockedUntil = m.now + LOCK_FOR
    seen.add("lock started")
  }
  return { _tag: "InvalidOtp" }
}

/** Does `code` verify against the TOTP secret now (window S-1..S+1, after the last accepted step)? Updates the last step. */
const totpChecks = (m: Model, code: string, intended: number) => () => {
  const totp = m.totp!
  const steps = [currentStep(m) - 1, currentStep(m), currentStep(m) + 1].filter(
    (s) => (totp.lastStep === null || s > totp.lastStep) && totpCode(totp.secret, s) === code
  )
  if (steps.length === 0) {
    if (totp.lastStep !== null && totpCode(totp.secret, totp.lastStep) === code) seen.add("TOTP replay refused")
    return false
  }
  totp.lastStep = steps.includes(intended) ? intended : steps[0]!
  return true
}

/** Runs `effect` for real and reduces its result to an `Outcome` (plus the success value). */
const attempt = async <A>(r: Real, effect: Effect.Effect<A, { readonly _tag: string }, Services>) => {
  const result = await r.run(Effect.either(effect))
  if (Either.isRight(result)) return { outcome: ok, value: result.right as A | undefined }
  const error = result.left as { readonly _tag: string; readonly retryAfterSeconds?: number }
  const outcome: Outcome = error._tag === "AttemptsExhausted"
    ? { _tag: error._tag, retryAfterSeconds: error.retryAfterSeconds! }
    : { _tag: error._tag }
  return { outcome, value: undefined }
}

/** After every command: the stored counters are the model's. */
const checkStore = async (m: Model, r: Real) => {
  const row = await r.run(
    Effect.flatMap(
      UsersRepo,
      (users) => Effect.map(Effect.orDie(users.findById(r.userId)), (o) => o._tag === "Some" ? o.value : undefined)
    )
  )
  expect(row).toBeDefined()
  expect(row!.otp_failures).toBe(m.failures)
  expect(row!.otp_locked_until).toBe(m.lockedUntil)
  expect(row!.email_verified_at !== null).toBe(m.emailVerified)
  expect(row!.totp_secret !== null).toBe(m.totp !== null)
  expect(row!.totp_verified_at !== null).toBe(m.totp?.verified ?? false)
  expect(row!.totp_last_step).toBe(m.totp === null ? null : m.totp.lastStep)
  const last = m.codes.at(-1)
  if (last !== undefined) {
    const rows = await r.run(
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) =>
          sql<{ attempts: unknown; consumed_at: unknown }>`SELECT attempts, consumed_at FROM rampart_otp_codes
          WHERE user_id = ${r.userId} AND channel = 'EMAIL' ORDER BY created_at DESC LIMIT 1`
      )
    )
    expect(Number(rows[0]!.attempts)).toBe(last.attempts)
    expect(rows[0]!.consumed_at !== null).toBe(last.consumed)
  }
}

type Command = fc.AsyncCommand<Model, Real>

/** Which interesting transitions the property run went through (reported as a test annotation). */
const seen = new Set<string>()

const command = (name: string, run: (m: Model, r: Real) => Promise<void>): Command => ({
  check: () => true,
  run: async (m, r) => {
    await run(m, r)
    await checkStore(m, r)
  },
  toString: () => name
})

const requestEmail = () =>
  command("requestEmail", async (m, r) => {
    const wait = sendWait(m)
    const expected: Outcome = wait === undefined ? ok : { _tag: "AttemptsExhausted", retryAfterSeconds: wait }
    const { outcome, value } = await attempt(r, Effect.flatMap(OtpChallenges, (otp) => otp.request(r.userId, "EMAIL")))
    expect(outcome).toEqual(expected)
    if (value !== undefined) {
      expect(value.validUntil.getTime()).toBe(m.now + CODE_TTL)
      expect(value.validated).toBe(m.emailVerified)
      m.sends.push(m.now)
      m.codes.push({ value: await r.run(lastCode(r.email)), sentAt: m.now, attempts: 0, consumed: false })
    }
  })

const verifyEmail = (kind: "latest" | "wrong" | "older", salt: number) =>
  command(`verifyEmail(${kind})`, async (m, r) => {
    const latest = m.codes.at(-1)
    const code = kind === "latest"
      ? latest?.value ?? "123456"
      : kind === "older"
      ? m.codes.at(-2)?.value ?? "654321"
      : String((Number(latest?.value ?? "0") + 1 + salt) % 1_000_000).padStart(6, "0")
    const expected: Outcome = m.emailVerified
      ? { _tag: "AlreadyConfigured" }
      : budgeted(m, () => {
        if (
          latest === undefined || latest.consumed || m.now >= latest.sentAt + CODE_TTL || latest.attempts >= CODE_TRIES
        ) {
          if (latest !== undefined && code === latest.value) {
            seen.add(
              latest.consumed
                ? "code reused"
                : latest.attempts >= CODE_TRIES
                ? "code dead after 5 tries"
                : "code expired"
            )
          }
          return false
        }
        if (code === latest.value) {
          latest.consumed = true
          return true
        }
        latest.attempts++
        return false
      })
    const { outcome, value } = await attempt(
      r,
      Effect.flatMap(OtpChallenges, (otp) => otp.verify(r.userId, "EMAIL", code))
    )
    expect(outcome).toEqual(expected)
    if (value !== undefined) {
      m.emailVerified = true
      expect(value.hasValidatedEmail).toBe(true)
    }
  })

const advance = (seconds: number) =>
  command(`advance(${seconds}s)`, async (m, r) => {
    await r.run(TestClock.adjust(`${seconds} seconds`))
    m.now += seconds * SECOND
    expect(await r.run(Clock.currentTimeMillis)).toBe(m.now)
  })

const createTotp = () =>
  command("createTotp", async (m, r) => {
    const expected: Outcome = m.totp?.verified === true ? { _tag: "AlreadyConfigured" } : ok
    const { outcome, value } = await attempt(r, Effect.flatMap(OtpMethods, (methods) => methods.createTotp(r.userId)))
    expect(outcome).toEqual(expected)
    if (value !== undefined) {
      expect(value.hasValidatedSecret).toBe(false)
      m.totp = { secret: value.totp.secret, verified: false, lastStep: null }
    }
  })

/** The code a TOTP command presents: the code of step S+offset, or of the last accepted step. */
const totpPresented = (m: Model, which: number | "replay") => {
  if (m.totp === null) return { code: "000000", step: -1 }
  const step = which === "replay" ? m.totp.lastStep ?? currentStep(m) : currentStep(m) + which
  return { code: totpCode(m.totp.secret, step), step }
}

const verifyTotp = (which: number | "replay") =>
  command(`verifyTotp(${which})`, async (m, r) => {
    const { code, step } = totpPresented(m, which)
    const expected: Outcome = m.totp === null
      ? { _tag: "NotConfigured" }
      : m.totp.verified
      ? { _tag: "AlreadyConfigured" }
      : budgeted(m, totpChecks(m, code, step))
    const { outcome } = await attempt(r, Effect.flatMap(OtpChallenges, (otp) => otp.verify(r.userId, "TOTP", code)))
    expect(outcome).toEqual(expected)
    if (outcome._tag === "ok") m.totp!.verified = true
  })

const deleteTotp = (which: number | "replay") =>
  command(`deleteTotp(${which})`, async (m, r) => {
    const { code, step } = totpPresented(m, which)
    const expected: Outcome = m.totp === null ? { _tag: "NotConfigured" } : budgeted(m, totpChecks(m, code, step))
    const { outcome } = await attempt(r, Effect.flatMap(OtpMethods, (methods) => methods.deleteTotp(r.userId, code)))
    expect(outcome).toEqual(expected)
    if (outcome._tag === "ok") m.totp = null
  })

/**
 * Step-up with the latest EMAIL code, a wrong code, or a TOTP code of step S+which (or the replayed
 * last step): a validated TOTP secret is tried first, then the live EMAIL code if the email is
 * validated; a code matching neither spends one try of that live code.
 */
const stepUp = (which: "email" | "wrong" | number | "replay", salt: number) =>
  command(`stepUp(${which})`, async (m, r) => {
    const latest = m.codes.at(-1)
    const { code, step } = which === "email"
      ? { code: latest?.value ?? "123456", step: -1 }
      : which === "wrong"
      ? { code: String((Number(latest?.value ?? "0") + 7 + salt) % 1_000_000).padStart(6, "0"), step: -1 }
      : totpPresented(m, which)
    let channel: string | undefined
    const totpValidated = m.totp?.verified === true
    const expected: Outcome = !totpValidated && !m.emailVerified
      ? { _tag: "NotConfigured" }
      : budgeted(m, () => {
        if (totpValidated && totpChecks(m, code, step)()) {
          channel = "TOTP"
          return true
        }
        if (!m.emailVerified) return false
        const live = latest !== undefined && !latest.consumed && m.now < latest.sentAt + CODE_TTL &&
          latest.attempts < CODE_TRIES
        if (!live) return false
        if (code === latest.value) {
          latest.consumed = true
          channel = "EMAIL"
          seen.add("step-up by EMAIL")
          return true
        }
        latest.attempts++
        return false
      })
    const { outcome, value } = await attempt(r, Effect.flatMap(StepUp, (s) => s.verify(r.userId, code)))
    expect(outcome).toEqual(expected)
    if (value !== undefined) {
      expect(value.channel).toBe(channel)
      if (channel === "TOTP") seen.add("step-up by TOTP")
    }
  })

/** Several wrong EMAIL codes in a row (each one checked), so runs reach the 5-try and 10-failure limits. */
const wrongBurst = (count: number, salt: number) =>
  Array.from({ length: count }, (_, i) => verifyEmail("wrong", salt + i))

/** A command made of several commands, each checked against the model in turn. */
const sequence = (name: string, parts: ReadonlyArray<Command>): Command => ({
  check: () => true,
  run: async (m, r) => {
    for (const part of parts) await part.run(m, r)
  },
  toString: () => `${name}[${parts.map(String).join(", ")}]`
})

const totpWhich = fc.oneof(fc.constantFrom(-2, -1, 0, 0, 1, 2), fc.constant("replay" as const))

const commands = [
  fc.constant(null).map(requestEmail),
  fc.constantFrom("latest", "latest", "wrong", "wrong", "older").chain((kind) =>
    fc.integer({ min: 0, max: 999 }).map((salt) => verifyEmail(kind as "latest" | "wrong" | "older", salt))
  ),
  fc.oneof(fc.integer({ min: 1, max: 90 }), fc.integer({ min: 1, max: 20 * 60 })).map(advance),
  fc.constant(null).map(createTotp),
  totpWhich.map(verifyTotp),
  totpWhich.map(deleteTotp),
  fc.tuple(fc.integer({ min: 2, max: 6 }), fc.integer({ min: 0, max: 999 })).map(([count, salt]) =>
    sequence("wrongBurst", wrongBurst(count, salt))
  ),
  fc.integer({ min: 60, max: 75 }).map((seconds) => sequence("resendAfter", [advance(seconds), requestEmail()])),
  fc.tuple(
    fc.oneof(fc.constantFrom("email" as const, "email" as const, "wrong" as const), totpWhich),
    fc.integer({ min: 0, max: 999 })
  ).map(([which, salt]) => stepUp(which, salt))
]
// Twice as likely: the sequences that reach the per-code, account and hourly limits within 30 commands.
commands.push(commands[6]!, commands[7]!)

describe("the OTP state machine against a model", () => {
  it.effect("15 runs of up to 30 commands on SQLite under TestClock", (ctx) =>
    onFreshStore(async () => freshSqliteUrl())(
      Effect.gen(function*() {
        yield* startClock
        const runtime = yield* Effect.runtime<Services>()
        const run = <A, E>(effect: Effect.Effect<A, E, Services>) => Runtime.runPromise(runtime)(effect)
        let runs = 0
        let steps = 0
        yield* Effect.promise(() =>
          fc.assert(
            fc.asyncProperty(fc.commands(commands, { maxCommands: 30, size: "max" }), async (cmds) => {
              runs++
              const setup = async () => {
                const email = await run(Effect.map(newUser(), (u) => u.email))
                const userId = await run(userIdOf(email))
                const now = await run(Clock.currentTimeMillis)
                const model: Model = {
                  now,
                  sends: [],
                  codes: [],
                  emailVerified: false,
                  failures: 0,
                  lockedUntil: null,
                  totp: null
                }
                return { model, real: { run, userId, email } }
              }
              steps += [...cmds].length
              await fc.asyncModelRun(setup, cmds)
            }),
            { numRuns: 15 }
          )
        )
        yield* Effect.promise(() =>
          ctx.annotate(`${runs} runs, ${steps} commands; seen: ${[...seen].sort().join("; ")}`)
        )
        expect(runs).toBeGreaterThanOrEqual(15)
        expect(steps).toBeGreaterThan(15)
      })
    ))
})
