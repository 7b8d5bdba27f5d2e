/**
 * The repository of the `rampart_event_feed` table: how far the security-event feed has delivered
 * (`cursor`, the last event id a receiver acknowledged). Only the holder of the `event-feed` lease
 * (`LeasesRepo`) moves it.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"

/** The name of the feed's lease in `rampart_leases`. */
export const EVENT_FEED_LEASE = "event-feed"

/** The `rampart_event_feed` table. */
export class EventFeedRepo extends Effect.Service<EventFeedRepo>()("Rampart/Server/EventFeedRepo", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    return {
      /** The last event id delivered. */
      cursor: Effect.map(
        sql<{ readonly cursor: number | string }>`SELECT cursor FROM rampart_event_feed WHERE id = 1`,
        (rows) => Number(rows[0]?.cursor ?? 0)
      ),
      /** Moves the cursor forward to `cursor` if `owner` still holds the feed's lease; whether it did. */
      advance: (owner: string, cursor: number) =>
        Effect.map(
          sql<{ readonly id: number }>`UPDATE rampart_event_feed SET cursor = ${cursor}
            WHERE id = 1 AND cursor < ${cursor} AND EXISTS (
              SELECT 1 FROM rampart_leases WHERE name = ${EVENT_FEED_LEASE} AND owner = ${owner}
            ) RETURNING id`,
          (rows) => rows.length > 0
        )
    }
  })
}) {}
