/**
 * The repository of the `users` table: its row schema, the security profile rows project to, its
 * row lock, its two failure counters (password login, OTP verification) and every statement, each
 * a single statement so counters and "last used step" change atomically.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as SqlSchema from "@effect/sql/SqlSchema"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { AuthError } from "../../Domain/Errors.js"
import type { UserId } from "../../Domain/Identity.js"
import { SecurityProfile } from "../../Domain/Profile.js"
import { failureCounter } from "../Store/Counters.js"
import { dieOnMismatch, Millis, rowByKey, UserIdColumn } from "../Store/Rows.js"

const OptionalMillis = Schema.NullOr(Millis)

/** A row of `users`. */
export const UserRow = Schema.Struct({
  id: UserIdColumn,
  email: Schema.String,
  password_hash: Schema.String,
  status: Schema.Literal("ACTIVE", "BLOCKED"),
  created_at: Millis,
  email_verified_at: OptionalMillis,
  phone: Schema.NullOr(Schema.String),
  phone_verified_at: OptionalMillis,
  totp_secret: Schema.NullOr(Schema.String),
  totp_verified_at: OptionalMillis,
  totp_last_step: OptionalMillis,
  last_logged_at: OptionalMillis,
  last_logged_device: Schema.NullOr(Schema.String),
  password_changed_at: OptionalMillis,
  password_failures: Millis,
  password_locked_until: OptionalMillis,
  otp_failures: Millis,
  otp_locked_until: OptionalMillis
})
/** A row of `users`. */
export type UserRow = typeof UserRow.Type

const date = (ms: number | null) => (ms === null ? null : new Date(ms))

/** The documented security profile of a user row. */
export const toProfile = (row: UserRow): SecurityProfile =>
  // Built from checked values, so not validated again: with a date field, Effect's class constructor
  // compiles a new validator on every call (~15–60 µs); the HTTP encoder still checks every answer.
  new SecurityProfile({
    email: row.email,
    hasValidatedEmail: row.email_verified_at !== null,
    emailVerificationDate: date(row.email_verified_at),
    hasValidatedSecret: row.totp_verified_at !== null,
    secretVerificationDate: date(row.totp_verified_at),
    phoneNumber: row.phone,
    hasValidatedPhone: row.phone_verified_at !== null,
    phoneVerificationDate: date(row.phone_verified_at),
    lastLoggedDate: date(row.last_logged_at),
    status: row.status,
    lastLoggedDevice: row.last_logged_device,
    lastPasswordChangeDate: date(row.password_changed_at)
  }, true)

/** A new user's fields. */
export interface NewUser {
  readonly id: UserId
  readonly email: string
  readonly passwordHash: string
  readonly now: number
}

/** Which failure counter an update touches. */
export type Counter = "password" | "otp"

/** The `users` table. */
export class UsersRepo extends Effect.Service<UsersRepo>()("Rampart/Server/UsersRepo", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const findById = rowByKey(sql, { table: "rampart_users", key: "id", Key: Schema.String, Row: UserRow })
    const findByEmail = dieOnMismatch(
      SqlSchema.findOne({
        Request: Schema.String,
        Result: UserRow,
        execute: (email) => sql`SELECT * FROM rampart_users WHERE email = ${email}`
      })
    )

    const counters = {
      password: failureCounter(sql, {
        table: "rampart_users",
        key: "id",
        failures: "password_failures",
        lockedUntil: "password_locked_until"
      }),
      otp: failureCounter(sql, {
        table: "rampart_users",
        key: "id",
        failures: "otp_failures",
        lockedUntil: "otp_locked_until"
      })
    } satisfies Record<Counter, unknown>

    /** The user's row if it exists and is ACTIVE, else `AuthError` (the token outlived its user). */
    const requireActive = (id: string, forUpdate = false) =>
      Effect.flatMap(findById(id, forUpdate), (row) =>
        Option.isSome(row) && row.value.status === "ACTIVE"
          ? Effect.succeed(row.value)
          : Effect.fail(new AuthError({ message: "Authentication error" })))

    const newest = dieOnMismatch(
      SqlSchema.findAll({
        Request: Schema.Number,
        Result: UserRow,
        execute: (limit) => sql`SELECT * FROM rampart_users ORDER BY created_at DESC, id LIMIT ${limit}`
      })
    )

    return {
      /** The row with this id, locked for the rest of the transaction on PostgreSQL when asked. */
      findById,
      /** The `limit` newest users (the sandbox page). */
      newest,
      requireActive,
      findByEmail,
      /** Inserts a user; false when the email is already taken. */
      insert: (user: NewUser) =>
        Effect.map(
          sql`INSERT INTO rampart_users (id, email, password_hash, created_at, password_changed_at)
              VALUES (${user.id}, ${user.email}, ${user.passwordHash}, ${user.now}, ${user.now})
              ON CONFLICT (email) DO NOTHING RETURNING id`,
          (rows) => rows.length === 1
        ),

      /** One more failure on a counter (not while locked); at the threshold it resets and the lock starts (true). */
      recordFailure: (id: string, which: Counter, now: number) => counters[which].recordFailure(id, now),

      /** Clears a counter after a success. */
      resetFailures: (id: string, which: Counter) => counters[which].resetFailures(id),

      /** Deletes a user (and, by cascade, everything of theirs). */
      delete: (id: string) => sql`DELETE FROM rampart_users WHERE id = ${id}`.pipe(Effect.asVoid),

      /** Records a successful password login unless a lock started meanwhile; true when recorded. */
      recordLogin: (id: string, now: number, device: string | null, rehash: string | null) =>
        Effect.map(
          sql`UPDATE rampart_users SET password_failures = 0, last_logged_at = ${now}, last_logged_device = ${device},
                password_hash = COALESCE(${rehash}, password_hash)
              WHERE id = ${id} AND (password_locked_until IS NULL OR password_locked_until <= ${now})
              RETURNING id`,
          (rows) => rows.length === 1
        ),

      /** Sets (or replaces) the phone; refuses when a validated phone exists. True when set. */
      setPhone: (id: string, phone: string) =>
        Effect.map(
          sql`UPDATE rampart_users SET phone = ${phone}, phone_verified_at = NULL
              WHERE id = ${id} AND phone_verified_at IS NULL RETURNING id`,
          (rows) => rows.length === 1
        ),

      /** Stores a new sealed TOTP secret unless a validated one exists. True when stored. */
      setTotpSecret: (id: string, sealed: string) =>
        Effect.map(
          sql`UPDATE rampart_users SET totp_secret = ${sealed}, totp_verified_at = NULL, totp_last_step = NULL
              WHERE id = ${id} AND totp_verified_at IS NULL RETURNING id`,
          (rows) => rows.length === 1
        ),

      /** Stores a TOTP secret already validated (sandbox partners). */
      setValidatedTotpSecret: (id: string, sealed: string, now: number) =>
        sql`UPDATE rampart_users SET totp_secret = ${sealed}, totp_verified_at = ${now}, totp_last_step = NULL
            WHERE id = ${id}`.pipe(Effect.asVoid),

      /** Removes the TOTP secret. */
      clearTotpSecret: (id: string) =>
        sql`UPDATE rampart_users SET totp_secret = NULL, totp_verified_at = NULL, totp_last_step = NULL
            WHERE id = ${id}`.pipe(Effect.asVoid),

      /**
       * Moves "last used TOTP step" forward to `step`, only if it is ahead of the stored one: the
       * single statement that makes a TOTP code single-use. True when this caller won.
       */
      advanceTotpStep: (id: string, step: number) =>
        Effect.map(
          sql`UPDATE rampart_users SET totp_last_step = ${step}
              WHERE id = ${id} AND totp_secret IS NOT NULL AND (totp_last_step IS NULL OR totp_last_step < ${step})
              RETURNING id`,
          (rows) => rows.length === 1
        ),

      /** Marks a channel validated now (idempotent per channel). */
      markVerified: (id: string, channel: "EMAIL" | "SMS" | "TOTP", now: number) => {
        const column = channel === "EMAIL"
          ? "email_verified_at"
          : channel === "SMS"
          ? "phone_verified_at"
          : "totp_verified_at"
        return sql`UPDATE rampart_users SET ${sql(column)} = ${now} WHERE id = ${id} AND ${sql(column)} IS NULL`.pipe(
          Effect.asVoid
        )
      }
    }
  })
}) {}
