/**
 * Security events: what happened to an account or a partner client, as the event stream publishes
 * it and the store keeps it. An event never carries a password, code, token or secret.
 */
import { EVENTS_AFTER_MESSAGE, SECURITY_EVENT_TYPES } from "#shared/WireRules.js"
import * as Schema from "effect/Schema"
import { IsoDate } from "./IsoDate.js"
import { OtpChannel } from "./Otp.js"

export { MAX_EVENTS_PER_PAGE } from "#shared/WireRules.js"

/** Every event type, as `GET /sandbox/events` names them. */
export const SecurityEventType = Schema.Literals(SECURITY_EVENT_TYPES).annotate({ identifier: "SecurityEventType" })
/** An event type. */
export type SecurityEventType = typeof SecurityEventType.Type

/** One recorded event, oldest first by `id`. */
export class SecurityEvent extends Schema.Class<SecurityEvent>("SecurityEvent")({
  id: Schema.Int,
  at: IsoDate,
  type: SecurityEventType,
  userId: Schema.optionalKey(Schema.String),
  clientId: Schema.optionalKey(Schema.Int),
  channel: Schema.optionalKey(OtpChannel),
  ip: Schema.optionalKey(Schema.String),
  device: Schema.optionalKey(Schema.String),
  reason: Schema.optionalKey(Schema.String)
}) {}

/** `GET /sandbox/events` query: events with an id greater than `after` (all of them without it). */
export const EventsQuery = Schema.Struct({
  after: Schema.optionalKey(
    Schema.NumberFromString.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(0, { message: EVENTS_AFTER_MESSAGE }))
  )
})
