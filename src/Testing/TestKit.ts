/**
 * The testing kit (`rampart/testing`): Rampart's domain services as a Layer for a consumer's tests,
 * built from the same composition as the server (`layerServices` over `ServerConfig`) on a fresh
 * in-memory SQLite store, with cheap password hashing, sandbox mode and keys made in memory; every
 * rule reads `Clock`, so `TestClock` drives token and code lifetimes, spacing, locks and TOTP steps.
 * Beside the services it gives `TestUsers`, `TestOutbox` and `TestTotp`.
 */
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { normaliseEmail } from "../Domain/Email.js"
import type { UserId } from "../Domain/Identity.js"
import { Accounts } from "../Server/Accounts/Accounts.js"
import { UsersRepo } from "../Server/Accounts/UsersRepo.js"
import { layerServerConfig, type ServerSettings } from "../Server/Config.js"
import { SecretBox } from "../Server/Crypto/SecretBox.js"
import { generateServerKeys } from "../Server/Keys.js"
import { layerDomain, type RampartServices, type RampartStartError } from "../Server/Layers.js"
import { totpAad } from "../Server/Otp/UserTotp.js"
import { Sandbox } from "../Server/Sandbox/Sandbox.js"
import { Totp } from "../Totp.js"

/** Argon2id cost of the kit's password hashes: fast, for tests only (production uses OWASP's). */
export const testPasswordCost = { memoryCost: 1024, timeCost: 1 } as const

/** What a created test user holds: its id and the tokens of a fresh login. */
export interface TestUser {
  readonly userId: UserId
  readonly idToken: string
  readonly refreshToken: string
}

/** No code was sent to that address or phone (yet). */
export class NoCodeSent extends Data.TaggedError("NoCodeSent")<{ readonly message: string }> {}

/** The user has no TOTP secret to make a code with. */
export class NoTotpSecret extends Data.TaggedError("NoTotpSecret")<{ readonly message: string }> {}

/** Creates users (sandbox accounts) and logs them in. */
export class TestUsers extends Effect.Service<TestUsers>()("Rampart/Testing/TestUsers", {
  effect: Effect.gen(function*() {
    const sandbox = yield* Sandbox
    const accounts = yield* Accounts
    const users = yield* UsersRepo
    return {
      /** A new ACTIVE user `email` with `password`, logged in: its id, idToken and refresh token. */
      create: (email: string, password: string | Redacted.Redacted<string>) =>
        Effect.gen(function*() {
          const secret = typeof password === "string" ? Redacted.make(password) : password
          yield* sandbox.createUser(email, secret)
          const tokens = yield* accounts.login(email, secret, "rampart-testing")
          const row = yield* Effect.orDie(Effect.flatten(users.findByEmail(normaliseEmail(email))))
          return { userId: row.id, idToken: tokens.idToken, refreshToken: tokens.refreshToken } satisfies TestUser
        })
    }
  })
}) {}

/** Reads the codes the kit "delivered" (the sandbox outbox). */
export class TestOutbox extends Effect.Service<TestOutbox>()("Rampart/Testing/TestOutbox", {
  effect: Effect.gen(function*() {
    const sandbox = yield* Sandbox
    return {
      /** The last code sent to `to` (an email or an E.164 phone); `NoCodeSent` when there is none. */
      lastCode: (to: string) =>
        Effect.flatMap(
          sandbox.outbox(to),
          (messages) =>
            messages[0] === undefined
              ? new NoCodeSent({ message: `no code was sent to ${to}` })
              : Effect.succeed(messages[0].code)
        )
    }
  })
}) {}

/** Gives users a validated TOTP secret and makes their current codes. */
export class TestTotp extends Effect.Service<TestTotp>()("Rampart/Testing/TestTotp", {
  effect: Effect.gen(function*() {
    const users = yield* UsersRepo
    const box = yield* SecretBox
    const totp = yield* Totp
    return {
      /** A new validated TOTP secret for `userId` (no code of any step is used up); the secret, base32. */
      enrol: (userId: UserId) =>
        Effect.gen(function*() {
          const secret = yield* totp.generateSecret
          const sealed = yield* box.seal(Redacted.make(secret), totpAad(userId))
          yield* Effect.orDie(users.setValidatedTotpSecret(userId, sealed, yield* Clock.currentTimeMillis))
          return secret
        }),
      /** The current (`Clock`) TOTP code of `userId`'s secret; `NoTotpSecret` when it has none. */
      codeFor: (userId: UserId) =>
        Effect.gen(function*() {
          const row = yield* Effect.orDie(users.findById(userId))
          const sealed = Option.getOrNull(Option.flatMapNullable(row, (user) => user.totp_secret))
          if (sealed === null) return yield* new NoTotpSecret({ message: `user ${userId} has no TOTP secret` })
          const secret = yield* Effect.orDie(box.open(sealed, totpAad(userId)))
          return yield* Effect.orDie(totp.generate(secret))
        })
    }
  })
}) {}

/** How the kit's store and server settings differ from its defaults (any `ServerSettings` field). */
export type TestOptions = Partial<ServerSettings>

/**
 * Rampart's domain services (everything `rampart/server`'s `layerServices` provides) plus
 * `TestUsers`, `TestOutbox` and `TestTotp`, on a fresh in-memory SQLite store for each use, sandbox
 * mode, cheap hashing and keys made in memory; `options` override any setting.
 */
export const layerTest = (
  options: TestOptions = {}
): Layer.Layer<RampartServices | TestUsers | TestOutbox | TestTotp, RampartStartError> =>
  Layer.mergeAll(TestUsers.Default, TestOutbox.Default, TestTotp.Default).pipe(
    Layer.provideMerge(layerDomain),
    Layer.provideMerge(Layer.suspend(() => {
      const keys = generateServerKeys()
      return layerServerConfig({
        databaseUrl: "sqlite::memory:",
        mode: "sandbox",
        passwordCost: testPasswordCost,
        secretKey: Option.some(Redacted.make(keys.secretKey)),
        signingKey: Option.some(Redacted.make(keys.signingKey)),
        logFormat: "off",
        // No pruning under a test's TestClock unless asked for (`pruneInterval`).
        pruneInterval: Duration.infinity,
        ...options
      })
    }))
  )
