/**
 * Rampart's services always use their own store (issue 24): a host with its own `SqlClient` in
 * scope — and even inside a transaction of that client — calls them and every statement runs on
 * Rampart's store, while the host's transaction stays the host's (it commits or rolls back alone).
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, Redacted } from "effect"
import { Accounts, layerDatabase, OtpChallenges, Sandbox, StepUp } from "rampart/server"
import { layerTestServices, userIdOf } from "../support/Services.js"
import { freshSqliteUrl } from "../support/Stores.js"

const password = Redacted.make("correct horse battery")

describe("a host's own SqlClient and transaction", () => {
  it.scoped("Rampart's calls inside the host's transaction run on Rampart's store; the host's rollback is its own", () =>
    Effect.gen(function*() {
      const rampart = yield* Layer.build(layerTestServices(freshSqliteUrl()))
      const host = yield* Layer.build(layerDatabase(freshSqliteUrl())) // the host's own store and client
      const sql = yield* Effect.provide(SqlClient.SqlClient, host)
      yield* sql`CREATE TABLE host_withdrawals (id INTEGER PRIMARY KEY, note TEXT)`
      const { accounts, otp, sandbox, stepUp } = yield* Effect.provide(
        Effect.all({ accounts: Accounts, otp: OtpChallenges, sandbox: Sandbox, stepUp: StepUp }),
        rampart
      )
      yield* sandbox.createUser("host@example.com", password)
      const userId = yield* Effect.provide(userIdOf("host@example.com"), rampart)
      // Inside the host's transaction, with the host's SqlClient in context.
      const inHost = yield* sql.withTransaction(
        Effect.gen(function*() {
          yield* sql`INSERT INTO host_withdrawals (note) VALUES ('committed')`
          const tokens = yield* accounts.login("host@example.com", password, "host/1.0")
          const status = yield* otp.request(userId, "EMAIL")
          const [sent] = yield* sandbox.outbox("host@example.com")
          yield* otp.verify(userId, "EMAIL", sent!.code)
          return { tokens, status }
        })
      ).pipe(Effect.provideService(SqlClient.SqlClient, sql))
      expect(inHost.status.channel).toBe("EMAIL")
      expect(inHost.tokens.idToken.length).toBeGreaterThan(100)
      // A host transaction that fails after a Rampart call: the host's row is rolled back, Rampart's change stays.
      const failed = yield* Effect.either(
        sql.withTransaction(
          Effect.gen(function*() {
            yield* sql`INSERT INTO host_withdrawals (note) VALUES ('rolled back')`
            yield* stepUp.verify(userId, "000000").pipe(Effect.ignore) // a refused step-up: a failure counted
            return yield* Effect.fail("host gives up" as const)
          })
        ).pipe(Effect.provideService(SqlClient.SqlClient, sql))
      )
      expect(Either.isLeft(failed)).toBe(true)
      const notes = yield* sql<{ note: string }>`SELECT note FROM host_withdrawals ORDER BY id`
      expect(notes.map((row) => row.note)).toEqual(["committed"])
      // Nothing of Rampart's was written to the host's store (which, made by layerDatabase, has Rampart's empty tables).
      expect(yield* sql<{ n: number }>`SELECT COUNT(*) AS n FROM rampart_users`).toEqual([{ n: 0 }])
      const profile = yield* accounts.profile(userId)
      expect(profile.hasValidatedEmail).toBe(true)
    }))
})
