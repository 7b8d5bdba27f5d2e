/**
 * Runs a program against the real domain services on a fresh store (SQLite or PostgreSQL), with
 * Argon2 cost lowered by test configuration. Time is whatever Clock the caller runs under, so
 * `it.effect` tests drive every rule with `TestClock`.
 */
import { Duration, Effect, Layer, Redacted, TestClock } from "effect"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { PartnerLoginRequest } from "../../src/Domain/Partner.js"
import { UsersRepo } from "../../src/Server/Accounts/UsersRepo.js"
import { layerServerConfig, type ServerSettings } from "../../src/Server/Config.js"
import { layerDomain } from "../../src/Server/Layers.js"
import { OtpChallenges } from "../../src/Server/Otp/OtpChallenges.js"
import { OtpMethods } from "../../src/Server/Otp/OtpMethods.js"
import { Sandbox } from "../../src/Server/Sandbox/Sandbox.js"
import { Totp } from "../../src/Totp.js"

/** Argon2id parameters for tests only (production uses OWASP's m=19456, t=2, p=1): the testing kit's. */
import { testPasswordCost } from "../../src/Testing/TestKit.js"
export { testPasswordCost }

/** The transport test servers use: `RAMPART_TEST_HTTP` (the suite runs the end-to-end files on both), else the default. */
const testTransport = (): Partial<ServerSettings> => {
  const http = process.env["RAMPART_TEST_HTTP"]
  if (http === undefined) return {}
  if (http !== "fast" && http !== "platform") {
    throw new Error(`RAMPART_TEST_HTTP must be fast or platform, not "${http}"`)
  }
  return { http }
}

/** Settings for a test server on `databaseUrl`, with its own state directory. */
export const testSettings = (
  databaseUrl: string,
  overrides: Partial<ServerSettings> = {}
): Partial<ServerSettings> => ({
  databaseUrl,
  ...testTransport(),
  mode: "sandbox",
  stateDirectory: mkdtempSync(join(tmpdir(), "rampart-state-")),
  passwordCost: testPasswordCost,
  // No request line per request on the test runner's output (test/Server/RequestLogs.test.ts reads them).
  logFormat: "off",
  // Rows a test counts are not pruned under it; test/Server/Retention.test.ts sets its own interval.
  pruneInterval: Duration.infinity,
  ...overrides
})

/** The domain services over a fresh store. */
export const layerTestServices = (databaseUrl: string, overrides: Partial<ServerSettings> = {}) =>
  layerDomain.pipe(Layer.provideMerge(layerServerConfig(testSettings(databaseUrl, overrides))))

/** Runs `program` with the services on a fresh store made by `fresh`. */
export const onFreshStore = (fresh: () => Promise<string>) => <A, E, R>(program: Effect.Effect<A, E, R>) =>
  Effect.flatMap(
    Effect.promise(fresh),
    (url) => Effect.scoped(Effect.provide(program, layerTestServices(url)))
  ) as Effect.Effect<A, E, Exclude<R, Layer.Layer.Success<ReturnType<typeof layerTestServices>>>>

/** 2026-01-01T00:00:00Z, a TOTP step boundary, where time-driven tests start. */
export const T0 = Date.UTC(2026, 0, 1)

/** Moves the TestClock to `T0`. */
export const startClock = TestClock.setTime(T0)

/** A fresh sandbox user; returns its id and email. */
export const newUser = (
  email = `u${Math.random().toString(36).slice(2, 10)}@example.com`,
  password = "correct horse battery"
) =>
  Effect.gen(function*() {
    const sandbox = yield* Sandbox
    yield* sandbox.createUser(email, Redacted.make(password))
    return { email, password }
  })

/** The newest code the sandbox delivered to `to`. */
export const lastCode = (to: string) =>
  Effect.flatMap(Sandbox, (sandbox) => Effect.map(sandbox.outbox(to), (messages) => messages[0]!.code))

/** The TOTP code of `secret` at the current (test) time. */
export const totpNow = (secret: string) => Effect.flatMap(Totp, (totp) => Effect.orDie(totp.generate(secret)))

/** The id of the user with `email`. */
export const userIdOf = (email: string) =>
  Effect.flatMap(
    UsersRepo,
    (users) => Effect.map(Effect.orDie(Effect.flatten(users.findByEmail(email))), (row) => row.id)
  )

/** A fresh sandbox user with an EMAIL code just requested; returns its email, id, the request's status and the code. */
export const userWithEmailCode = Effect.gen(function*() {
  const { email } = yield* newUser()
  const userId = yield* userIdOf(email)
  const status = yield* (yield* OtpChallenges).request(userId, "EMAIL")
  return { email, userId, status, code: yield* lastCode(email) }
})

/** A fresh sandbox user with a new (unvalidated) TOTP secret; returns its email, id and the secret. */
export const userWithTotp = Effect.gen(function*() {
  const { email } = yield* newUser()
  const userId = yield* userIdOf(email)
  const secret = (yield* (yield* OtpMethods).createTotp(userId)).totp.secret
  return { email, userId, secret }
})

/** A service-level partner login request for `creds` with `security_code` (and optionally another client secret). */
export const partnerLoginRequest = (
  email: string,
  password: string,
  creds: { readonly client_id: number; readonly client_secret: string },
  security_code: string,
  clientSecret = creds.client_secret
) =>
  new PartnerLoginRequest({
    email,
    password: Redacted.make(password),
    client_id: creds.client_id,
    client_secret: Redacted.make(clientSecret),
    security_code
  })
