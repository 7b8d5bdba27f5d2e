/**
 * The KriptoAPI partner login: email, password and client credentials first (403 whatever the
 * code, and the code is not consumed), then the account's TOTP `security_code` (single use, under
 * the account-wide budget), then an opaque access token stored only as an HMAC. Failures of any
 * field count per `client_id` under the 10 / 15-minute rule.
 */
import { SqlClient } from "@effect/sql"
import { Clock, Effect, Option, Redacted, Schema } from "effect"
import { randomUUID } from "node:crypto"
import { Hmac } from "../../Crypto/Hmac.js"
import { Passwords } from "../../Crypto/Passwords.js"
import { RandomTokens } from "../../Crypto/RandomTokens.js"
import { AttemptsExhausted, AuthError } from "../../Domain/Errors.js"
import { AuthenticatedPartner, type UserId } from "../../Domain/Identity.js"
import { MAX_EXPIRES_IN, PartnerLoginResponse, type PartnerLoginRequest } from "../../Domain/Partner.js"
import { lockRemaining } from "../../Domain/Policy.js"
import { normaliseEmail } from "../Auth/Accounts.js"
import { Attempts } from "../Otp/Attempts.js"
import { UserTotp } from "../Otp/UserTotp.js"
import { transact } from "../Store/Transaction.js"
import { UsersRepo } from "../Users/UsersRepo.js"
import { recordFailure, resetFailures, selectRow } from "../Store/Counters.js"
import { decodeRows, Millis } from "../Store/Rows.js"
import { traced } from "../../Spans.js"

/** HMAC purpose labels of partner secrets. */
const CLIENT_SECRET_PURPOSE = "client-secret"
const ACCESS_TOKEN_PURPOSE = "partner-access-token"

const ClientRow = Schema.Struct({
  client_id: Millis,
  user_id: Schema.String,
  secret_hash: Schema.String,
  failures: Millis,
  locked_until: Schema.NullOr(Millis)
})

/** The login-failure counter of partner clients. */
const clientCounter = { table: "partner_clients", key: "client_id", failures: "failures", lockedUntil: "locked_until" }

const SessionRow = Schema.Struct({ session_id: Schema.String, client_id: Millis, user_id: Schema.String })

/** Partner clients, logins and sessions. */
export class Partners extends Effect.Service<Partners>()("Rampart/Server/Partners", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const users = yield* UsersRepo
    const passwords = yield* Passwords
    const hmac = yield* Hmac
    const random = yield* RandomTokens
    const attempts = yield* Attempts
    const userTotp = yield* UserTotp

    const findClient = (clientId: number, forUpdate = false) =>
      selectRow("partner_clients", "client_id", clientId, forUpdate).pipe(
        Effect.flatMap(decodeRows(ClientRow)),
        Effect.map((rows) => Option.fromNullable(rows[0]))
      )

    /** One more failure for a client (not while locked); at 10 the client locks for 15 minutes. */
    const recordClientFailure = (clientId: number, now: number) => recordFailure(clientCounter, clientId, now)

    const refused = () => new AuthError({ message: "Authentication error" })

    const ClientIdRow = Schema.Struct({ client_id: Millis })

    /** Creates a client credential for a user: the client id and the secret (shown once). */
    const createClient = (userId: UserId) =>
      Effect.gen(function* () {
        const secret = yield* random.token()
        const now = yield* Clock.currentTimeMillis
        const rows = yield* sql`INSERT INTO partner_clients (user_id, secret_hash, created_at)
            VALUES (${userId}, ${hmac.digest(CLIENT_SECRET_PURPOSE, secret)}, ${now}) RETURNING client_id`.pipe(
          Effect.flatMap(decodeRows(ClientIdRow))
        )
        return { clientId: rows[0]!.client_id, clientSecret: secret }
      })

    /**
     * Creates client `clientId` with a given secret (the sandbox re-seeding `demo.json` into a new
     * store); false, and nothing written, when that id is taken.
     */
    const restoreClient = (userId: UserId, clientId: number, clientSecret: Redacted.Redacted<string>) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const rows = yield* sql`INSERT INTO partner_clients (client_id, user_id, secret_hash, created_at)
            VALUES (${clientId}, ${userId}, ${hmac.digest(CLIENT_SECRET_PURPOSE, clientSecret)}, ${now})
            ON CONFLICT (client_id) DO NOTHING RETURNING client_id`
        if (rows.length === 0) return false
        // PostgreSQL's identity sequence does not see explicit ids: move it past this one.
        yield* sql.onDialectOrElse({
          pg: () =>
            sql`SELECT setval(pg_get_serial_sequence('partner_clients', 'client_id'), (SELECT MAX(client_id) FROM partner_clients))`.pipe(
              Effect.asVoid
            ),
          orElse: () => Effect.void
        })
        return true
      })

    /** Client `clientId` against a user and secret: "free" (no such client), "matches" or "other". */
    const clientStatus = (clientId: number, userId: string, clientSecret: Redacted.Redacted<string>) =>
      Effect.map(findClient(clientId), (client): "free" | "matches" | "other" =>
        Option.isNone(client)
          ? "free"
          : client.value.user_id === userId &&
              hmac.equals(client.value.secret_hash, hmac.digest(CLIENT_SECRET_PURPOSE, clientSecret))
            ? "matches"
            : "other"
      )

    /** Logs a partner in and opens a session of `expires_in` seconds (default and maximum 3600). */
    const login = (request: PartnerLoginRequest) =>
      Effect.gen(function* () {
        const client = Option.getOrNull(yield* findClient(request.client_id))
        const user = client === null ? null : Option.getOrNull(yield* users.findById(client.user_id))
        const password = yield* passwords.verifyOrBurn(user?.password_hash ?? null, request.password)
        const credentialsOk =
          client !== null &&
          user !== null &&
          user.email === normaliseEmail(request.email) &&
          password.valid &&
          hmac.equals(client.secret_hash, hmac.digest(CLIENT_SECRET_PURPOSE, request.client_secret))
        const now = yield* Clock.currentTimeMillis
        if (!credentialsOk) {
          if (client !== null) yield* recordClientFailure(client.client_id, now)
          return yield* refused()
        }
        const expiresIn = request.expires_in ?? MAX_EXPIRES_IN
        const token = yield* random.token()
        yield* transact(
          Effect.gen(function* () {
            const locked = yield* findClient(client.client_id, true)
            const wait = Option.flatMap(locked, (c) => Option.fromNullable(lockRemaining(c.locked_until, now)))
            if (Option.isSome(wait)) {
              return yield* new AttemptsExhausted({
                message: "Too many failed logins for this client; try again later",
                retryAfterSeconds: wait.value
              })
            }
            const account = yield* users.requireActive(client.user_id, true)
            if (account.totp_secret === null || account.totp_verified_at === null) return yield* refused()
            yield* attempts
              .budgeted(account, Effect.catchTag(userTotp.verify(account, request.security_code), "NotConfigured", Effect.die))
              .pipe(Effect.tapError((e) => (e._tag === "InvalidOtp" ? recordClientFailure(client.client_id, now) : Effect.void)))
            yield* resetFailures(clientCounter, client.client_id)
            yield* sql`INSERT INTO partner_sessions (token_hash, session_id, client_id, user_id, created_at, expires_at)
                VALUES (${hmac.digest(ACCESS_TOKEN_PURPOSE, token)}, ${randomUUID()}, ${client.client_id},
                        ${client.user_id}, ${now}, ${now + expiresIn * 1000})`
          })
        )
        return new PartnerLoginResponse({ access_token: Redacted.value(token), expires_in: expiresIn })
      }).pipe(traced("Partners.login"))

    /** The live session behind an access token, or `AuthError`. */
    const authenticate = (accessToken: Redacted.Redacted<string>) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const rows = yield* sql`SELECT session_id, client_id, user_id FROM partner_sessions
            WHERE token_hash = ${hmac.digest(ACCESS_TOKEN_PURPOSE, accessToken)}
              AND revoked_at IS NULL AND expires_at > ${now}`.pipe(
          Effect.flatMap(decodeRows(SessionRow))
        )
        const row = rows[0]
        if (row === undefined) return yield* refused()
        return new AuthenticatedPartner({
          sessionId: row.session_id,
          clientId: row.client_id,
          userId: row.user_id as UserId
        })
      })

    /** Revokes a session; its token is refused from now on. */
    const logout = (sessionId: string) =>
      Effect.flatMap(
        Clock.currentTimeMillis,
        (now) => sql`UPDATE partner_sessions SET revoked_at = ${now} WHERE session_id = ${sessionId} AND revoked_at IS NULL`
      ).pipe(Effect.asVoid, traced("Partners.logout"))

    return { createClient, restoreClient, clientStatus, login, authenticate, logout }
  }),
  dependencies: [UsersRepo.Default, Attempts.Default, UserTotp.Default]
}) {}
