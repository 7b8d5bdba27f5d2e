/**
 * Accounts and the Criptan password login: create a user, log in (Argon2id, lockout after 10
 * failures for 15 minutes, indistinguishable refusals), refresh the idToken with an opaque refresh
 * token stored only as an HMAC.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { randomUUID } from "node:crypto"
import { LoginResponse, RefreshResponse } from "../../Domain/Credentials.js"
import { normaliseEmail } from "../../Domain/Email.js"
import { AlreadyConfigured, AuthError } from "../../Domain/Errors.js"
import { UserId } from "../../Domain/Identity.js"
import { Limits, lockRemaining } from "../../Domain/Policy.js"
import { traced } from "../../internal/Spans.js"
import { IdTokens } from "../Crypto/IdTokens.js"
import { OpaqueTokens } from "../Crypto/OpaqueTokens.js"
import { Passwords } from "../Crypto/Passwords.js"
import { SecurityEvents } from "../Events/SecurityEvents.js"
import { ownStoreService, transactOn } from "../Store/Transaction.js"
import { RefreshTokensRepo } from "./RefreshTokensRepo.js"
import { toProfile, UsersRepo } from "./UsersRepo.js"

/** The one refusal of a login, whatever went wrong (unknown email, wrong password, lock, blocked). */
export const loginRefused = () => new AuthError({ message: "Invalid email or password" })

/** Users, password logins and refresh tokens. */
export class Accounts extends Effect.Service<Accounts>()("Rampart/Server/Accounts", {
  effect: Effect.gen(function*() {
    // The store this service was built on: never a transaction of the caller's.
    const sql = yield* SqlClient.SqlClient
    const users = yield* UsersRepo
    const refreshTokens = yield* RefreshTokensRepo
    const passwords = yield* Passwords
    const idTokens = yield* IdTokens
    const opaqueTokens = yield* OpaqueTokens
    const events = yield* SecurityEvents
    const transact = transactOn(sql)

    /** Creates an ACTIVE user; `AlreadyConfigured` when the email is taken. */
    const createUser = (email: string, password: Redacted.Redacted<string>) =>
      Effect.gen(function*() {
        const normalised = normaliseEmail(email)
        const passwordHash = yield* passwords.hash(password)
        const now = yield* Clock.currentTimeMillis
        const id = UserId.make(randomUUID())
        if (!(yield* users.insert({ id, email: normalised, passwordHash, now }))) {
          return yield* new AlreadyConfigured({ message: "An account with this email already exists" })
        }
        return toProfile(yield* Effect.orDie(users.requireActive(id)))
      }).pipe(traced("Accounts.createUser"))

    /**
     * Checks email and password with the password lockout rule; the user row on success. Every
     * refusal is the same `AuthError`, and an unknown email still spends one hash verification.
     * The wrong password that starts a lock notes `login.locked`.
     */
    const authenticate = (email: string, password: Redacted.Redacted<string>) =>
      Effect.gen(function*() {
        const found = yield* users.findByEmail(normaliseEmail(email))
        const now = yield* Clock.currentTimeMillis
        const user = Option.getOrNull(found)
        if (user !== null) yield* events.about({ userId: user.id })
        const locked = user !== null && lockRemaining(user.password_locked_until, now) !== undefined
        const check = yield* passwords.verifyOrBurn(user === null || locked ? null : user.password_hash, password)
        if (user === null || locked) return yield* loginRefused()
        if (!check.valid) {
          // The failure counts and the refusal is recorded together (one transaction, with its events).
          return yield* transact(
            Effect.flatMap(users.recordFailure(user.id, "password", now), (locked) =>
              Effect.zipRight(
                locked ? events.note({ type: "login.locked", userId: user.id }) : Effect.void,
                Effect.fail(loginRefused())
              ))
          )
        }
        if (user.status !== "ACTIVE") {
          return yield* loginRefused()
        }
        return { user, needsRehash: check.needsRehash }
      })

    /** Password login: an idToken and a refresh token; records the login date and device. */
    const login = (email: string, password: Redacted.Redacted<string>, device: string | null) =>
      Effect.gen(function*() {
        const { needsRehash, user } = yield* authenticate(email, password)
        const rehash = needsRehash ? yield* passwords.hash(password) : null
        const refreshToken = yield* opaqueTokens.issue("refresh-token")
        // The login's writes and its login.succeeded event commit together, or none of them.
        return yield* transact(Effect.gen(function*() {
          const now = yield* Clock.currentTimeMillis
          const recorded = yield* users.recordLogin(
            user.id,
            now,
            device?.slice(0, Limits.deviceMaxLength) ?? null,
            rehash
          )
          if (!recorded) return yield* loginRefused()
          yield* refreshTokens.insert({
            tokenHash: refreshToken.hash,
            userId: user.id,
            now,
            expiresAt: now + Limits.refreshTokenTtlMs
          })
          // A script logging in in a loop cannot grow one account without bound: the oldest go.
          yield* refreshTokens.revokeBeyond(user.id, Limits.liveRefreshTokensPerUser, now)
          const idToken = yield* idTokens.issue({ sub: user.id, email: user.email })
          return new LoginResponse({ idToken: idToken.token, refreshToken: Redacted.value(refreshToken.token) })
        }))
      }).pipe(events.reporting({ succeeded: "login.succeeded", refused: "login.refused" }), traced("Accounts.login"))

    /** A new idToken for a live refresh token of an ACTIVE user; `AuthError` otherwise. */
    const refresh = (refreshToken: Redacted.Redacted<string>) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const row = Option.getOrUndefined(
          yield* refreshTokens.findLive(opaqueTokens.hashOf("refresh-token", refreshToken), now)
        )
        if (row !== undefined) yield* events.about({ userId: row.user_id })
        if (row === undefined || row.status !== "ACTIVE") {
          return yield* new AuthError({ message: "Invalid refresh token" })
        }
        const idToken = yield* idTokens.issue({
          sub: row.user_id,
          email: row.email,
          authTime: Math.floor(row.auth_at / 1000)
        })
        return new RefreshResponse({ idToken: idToken.token })
      }).pipe(
        events.reporting({ succeeded: "refresh.succeeded", refused: "refresh.refused" }),
        traced("Accounts.refresh")
      )

    /** The security profile of an ACTIVE user. */
    const profile = (userId: UserId) => Effect.map(users.requireActive(userId), toProfile)

    return ownStoreService(sql, { createUser, authenticate, login, refresh, profile })
  }),
  dependencies: [UsersRepo.Default, RefreshTokensRepo.Default]
}) {}
