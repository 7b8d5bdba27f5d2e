/**
 * The repository of the `rampart_leases` table: a background job that must run on one instance at
 * a time (the security-event feed, the pruner) holds a named lease until a time; it renews it while
 * it runs, and another instance takes it over once it has expired.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"

/** The `rampart_leases` table. */
export class LeasesRepo extends Effect.Service<LeasesRepo>()("Rampart/Server/LeasesRepo", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    return {
      /** Takes or renews lease `name` for `owner` until `until` when it is free, expired or already `owner`'s; whether it did. */
      take: (name: string, owner: string, now: number, until: number) =>
        Effect.gen(function*() {
          const claim = sql<{ readonly name: string }>`UPDATE rampart_leases SET owner = ${owner}, until = ${until}
            WHERE name = ${name} AND (owner IS NULL OR owner = ${owner} OR until < ${now}) RETURNING name`
          if ((yield* claim).length > 0) return true
          // The lease's row is made the first time it is asked for, not at every renewal.
          const made = yield* sql<{ readonly name: string }>`INSERT INTO rampart_leases (name, owner, until)
            VALUES (${name}, NULL, 0) ON CONFLICT (name) DO NOTHING RETURNING name`
          return made.length > 0 && (yield* claim).length > 0
        }),
      /** Gives lease `name` up, if `owner` holds it. */
      release: (name: string, owner: string) =>
        sql`UPDATE rampart_leases SET owner = NULL, until = 0 WHERE name = ${name} AND owner = ${owner}`.pipe(
          Effect.asVoid
        )
    }
  })
}) {}
