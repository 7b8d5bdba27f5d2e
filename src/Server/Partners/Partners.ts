/**
 * The KriptoAPI partner login: email, password and client credentials first (403 whatever the
 * code, and the code is not consumed), then the account's TOTP `security_code` (single use, under
 * the account-wide budget), then an opaque access token stored only as an HMAC. Failures of any
 * field count per `client_id` under the 10 / 15-minute rule.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { randomUUID } from "node:crypto"
import { normaliseEmail } from "../../Domain/Email.js"
import { AttemptsExhausted, AuthError, type InvalidOtp } from "../../Domain/Errors.js"
import { AuthenticatedPartner, type UserId } from "../../Domain/Identity.js"
import { MAX_EXPIRES_IN, type PartnerLoginRequest, PartnerLoginResponse } from "../../Domain/Partner.js"
import { lockRemaining } from "../../Domain/Policy.js"
import { traced } from "../../internal/Spans.js"
import { UsersRepo } from "../Accounts/UsersRepo.js"
import { Hmac } from "../Crypto/Hmac.js"
import { OpaqueTokens } from "../Crypto/OpaqueTokens.js"
import { Passwords } from "../Crypto/Passwords.js"
import { RandomTokens } from "../Crypto/RandomTokens.js"
import { SecurityEvents } from "../Events/SecurityEvents.js"
import { hasTotpSecret, UserTotp } from "../Otp/UserTotp.js"
import { VerificationBudget } from "../Otp/VerificationBudget.js"
import { ownStoreService, transactOn } from "../Store/Transaction.js"
import { PartnerClientsRepo } from "./PartnerClientsRepo.js"
import { PartnerSessionsRepo } from "./PartnerSessionsRepo.js"

/** A refusal that counts against the client: wrong credentials or a wrong security code. */
class ClientFailure extends Data.TaggedError("ClientFailure")<{ readonly refusal: AuthError | InvalidOtp }> {}

/** Partner clients, logins and sessions. */
export class Partners extends Effect.Service<Partners>()("Rampart/Server/Partners", {
  effect: Effect.gen(function*() {
    // The store this service was built on: never a SqlClient of the caller's context.
    const sql = yield* SqlClient.SqlClient
    const transact = transactOn(sql)
    const users = yield* UsersRepo
    const clients = yield* PartnerClientsRepo
    const sessions = yield* PartnerSessionsRepo
    const passwords = yield* Passwords
    const hmac = yield* Hmac
    const random = yield* RandomTokens
    const opaqueTokens = yield* OpaqueTokens
    const budget = yield* VerificationBudget
    const userTotp = yield* UserTotp
    const events = yield* SecurityEvents

    const refused = () => new AuthError({ message: "Authentication error" })

    /** Creates a client credential for a user: the client id and the secret (shown once). */
    const createClient = (userId: UserId) =>
      Effect.gen(function*() {
        const secret = yield* random.token()
        const now = yield* Clock.currentTimeMillis
        const clientId = yield* clients.insert({ userId, secretHash: hmac.digest("client-secret", secret), now })
        return { clientId, clientSecret: secret }
      })

    /**
     * Creates client `clientId` with a given secret (the sandbox re-seeding `demo.json` into a new
     * store); false, and nothing written, when that id is taken.
     */
    const restoreClient = (userId: UserId, clientId: number, clientSecret: Redacted.Redacted<string>) =>
      Effect.flatMap(
        Clock.currentTimeMillis,
        (now) => clients.restore(clientId, { userId, secretHash: hmac.digest("client-secret", clientSecret), now })
      )

    /** Client `clientId` against a user and secret: "free" (no such client), "matches" or "other". */
    const clientStatus = (clientId: number, userId: string, clientSecret: Redacted.Redacted<string>) =>
      Effect.map(clients.findById(clientId), (client): "free" | "matches" | "other" =>
        Option.isNone(client)
          ? "free"
          : client.value.user_id === userId &&
              hmac.equals(client.value.secret_hash, hmac.digest("client-secret", clientSecret))
          ? "matches"
          : "other")

    /**
     * Logs a partner in and opens a session of `expires_in` seconds (default and maximum 3600). The
     * password is checked before the client's row is locked; then, under that lock, the credentials
     * refusal, the client lock, the account and the security code are decided in that order, and a
     * wrong credential or code counts once against the client.
     */
    const login = (request: PartnerLoginRequest) =>
      Effect.gen(function*() {
        const client = Option.getOrNull(yield* clients.findById(request.client_id))
        if (client !== null) yield* events.about({ userId: client.user_id })
        const user = client === null ? null : Option.getOrNull(yield* users.findById(client.user_id))
        const password = yield* passwords.verifyOrBurn(user?.password_hash ?? null, request.password)
        if (client === null) return yield* refused()
        const credentialsOk = user !== null &&
          user.email === normaliseEmail(request.email) &&
          password.valid &&
          hmac.equals(client.secret_hash, hmac.digest("client-secret", request.client_secret))
        const now = yield* Clock.currentTimeMillis
        const expiresIn = request.expires_in ?? MAX_EXPIRES_IN
        const token = yield* transact(
          Effect.gen(function*() {
            const locked = yield* clients.findById(client.client_id, true)
            if (!credentialsOk) return yield* new ClientFailure({ refusal: refused() })
            const wait = Option.flatMap(locked, (c) => Option.fromNullable(lockRemaining(c.locked_until, now)))
            if (Option.isSome(wait)) {
              return yield* new AttemptsExhausted({
                message: "Too many failed logins for this client; try again later",
                retryAfterSeconds: wait.value
              })
            }
            const account = yield* users.requireActive(client.user_id, true)
            if (!hasTotpSecret(account) || account.totp_verified_at === null) return yield* refused()
            yield* budget
              .budgeted(account, userTotp.verify(account, request.security_code))
              .pipe(Effect.catchTag("InvalidOtp", (refusal) => new ClientFailure({ refusal })))
            yield* clients.resetFailures(client.client_id)
            const token = yield* opaqueTokens.issue("partner-access-token")
            yield* sessions.insert({
              tokenHash: token.hash,
              sessionId: randomUUID(),
              clientId: client.client_id,
              userId: client.user_id,
              now,
              expiresAt: now + expiresIn * 1000
            })
            return token.token
          }).pipe(
            Effect.catchTag("ClientFailure", ({ refusal }) =>
              Effect.zipRight(
                Effect.flatMap(
                  clients.recordFailure(client.client_id, now),
                  (locked) => locked ? events.note({ type: "partner.locked" }) : Effect.void
                ),
                Effect.fail(refusal)
              ))
          )
        )
        return new PartnerLoginResponse({ access_token: Redacted.value(token), expires_in: expiresIn })
      }).pipe(
        events.reporting({ clientId: request.client_id, succeeded: "partner.login", refused: "partner.refused" }),
        traced("Partners.login")
      )

    /** The live session behind an access token, or `AuthError`. */
    const authenticate = (accessToken: Redacted.Redacted<string>) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const row = Option.getOrUndefined(
          yield* sessions.findLive(opaqueTokens.hashOf("partner-access-token", accessToken), now)
        )
        if (row === undefined) return yield* refused()
        return new AuthenticatedPartner({
          sessionId: row.session_id,
          clientId: row.client_id,
          userId: row.user_id
        })
      })

    /** Revokes a session; its token is refused from now on. Publishes `partner.logout` when this call revoked it. */
    const logout = (sessionId: string) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => sessions.revoke(sessionId, now)).pipe(
        Effect.flatMap(
          Option.match({
            onNone: () => Effect.void,
            onSome: (session) =>
              events.publish({ type: "partner.logout", userId: session.user_id, clientId: session.client_id })
          })
        ),
        // The revocation and its partner.logout event commit together.
        transact,
        traced("Partners.logout")
      )

    return ownStoreService(sql, { createClient, restoreClient, clientStatus, login, authenticate, logout })
  }),
  dependencies: [
    UsersRepo.Default,
    PartnerClientsRepo.Default,
    PartnerSessionsRepo.Default,
    VerificationBudget.Default,
    UserTotp.Default
  ]
}) {}
