/**
 * The one date schema of the wire format: an ISO-8601 date-time string on the wire, a `Date` in
 * TypeScript, documented as `{ "type": "string", "format": "date-time" }` in the OpenAPI document.
 */
import * as Schema from "effect/Schema"
import * as SchemaTransformation from "effect/SchemaTransformation"

/** A `Date` carried as an ISO-8601 date-time string (e.g. `2025-06-09T05:45:44.994Z`). */
export const IsoDate = Schema.String.annotate({
  format: "date-time",
  description: "An ISO-8601 date-time, e.g. 2025-06-09T05:45:44.994Z"
}).pipe(Schema.decodeTo(Schema.Date, SchemaTransformation.dateFromString))
