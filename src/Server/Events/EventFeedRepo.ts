/**
 * The repository of the `rampart_event_feed` table: how far the security-event feed has delivered
 * (`cursor`, the last event id a receiver acknowledged) and which instance sends (a lease that
 * expires, so a stopped instance's feed is taken over).
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"

/** The `rampart_event_feed` table. */
export class EventFeedRepo extends Effect.Service<EventFeedRepo>()("Rampart/Server/EventFeedRepo", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    return {
      /** Takes or renews the lease for `owner` until `until` when it is free, expired or already `owner`'s; the cursor then. */
      lease: (owner: string, now: number, until: number) =>
        Effect.map(
          sql<
            { readonly cursor: number | string }
          >`UPDATE rampart_event_feed SET lease_owner = ${owner}, lease_until = ${until}
            WHERE id = 1 AND (lease_owner IS NULL OR lease_owner = ${owner} OR lease_until < ${now})
            RETURNING cursor`,
          (rows) => Option.map(Option.fromNullable(rows[0]), (row) => Number(row.cursor))
        ),
      /** Moves the cursor to `cursor` if `owner` still holds the lease; whether it did. */
      advance: (owner: string, cursor: number) =>
        Effect.map(
          sql<{ readonly id: number }>`UPDATE rampart_event_feed SET cursor = ${cursor}
            WHERE id = 1 AND lease_owner = ${owner} AND cursor < ${cursor} RETURNING id`,
          (rows) => rows.length > 0
        ),
      /** Gives the lease up (a stopping instance). */
      release: (owner: string) =>
        sql`UPDATE rampart_event_feed SET lease_owner = NULL, lease_until = NULL
          WHERE id = 1 AND lease_owner = ${owner}`.pipe(Effect.asVoid)
    }
  })
}) {}
