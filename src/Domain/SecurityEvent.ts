/**
 * Security events: what happened to an account or a partner client, as the event stream publishes
 * it and the store keeps it (an audit trail). An event never carries a password, code, token or
 * secret; it names the user, the client, the channel, the caller's IP and device, and a reason.
 */
import * as Schema from "effect/Schema"
import {
  EVENTS_AFTER_MESSAGE,
  MAX_EVENTS_PER_PAGE as SharedMaxEvents,
  SECURITY_EVENT_TYPES
} from "../Shared/WireRules.js"
import { IsoDate } from "./IsoDate.js"
import { OtpChannel } from "./Otp.js"

/** Every event type, as `GET /sandbox/events` and the `SecurityEvents` stream name them. */
export const SecurityEventType = Schema.Literal(...SECURITY_EVENT_TYPES).annotations({
  identifier: "SecurityEventType"
})
/** An event type. */
export type SecurityEventType = typeof SecurityEventType.Type

/** What a service says about an event; the stream adds its id, time, IP and device. */
export interface SecurityEventInput {
  readonly type: SecurityEventType
  readonly userId?: string | undefined
  readonly clientId?: number | undefined
  readonly channel?: OtpChannel | undefined
  /** Why a refusal happened, as the error's tag (`AuthError`, `InvalidOtp`, `AttemptsExhausted`, ...). */
  readonly reason?: string | undefined
}

/** One recorded event, oldest first by `id`. */
export class SecurityEvent extends Schema.Class<SecurityEvent>("SecurityEvent")({
  id: Schema.Int,
  at: IsoDate,
  type: SecurityEventType,
  userId: Schema.optional(Schema.String),
  clientId: Schema.optional(Schema.Int),
  channel: Schema.optional(OtpChannel),
  ip: Schema.optional(Schema.String),
  device: Schema.optional(Schema.String),
  reason: Schema.optional(Schema.String)
}) {}

/** The most events one `GET /sandbox/events` answers. */
export const MAX_EVENTS_PER_PAGE = SharedMaxEvents

/** `GET /sandbox/events` query: events with an id greater than `after` (all of them without it). */
export const EventsQuery = Schema.Struct({
  after: Schema.optional(
    Schema.NumberFromString.pipe(Schema.int(), Schema.nonNegative()).annotations({
      message: () => EVENTS_AFTER_MESSAGE
    })
  )
})
