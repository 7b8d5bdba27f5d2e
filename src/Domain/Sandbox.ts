/**
 * Payloads of the sandbox endpoints, which let integrators create users and partners and read the
 * codes the sandbox "sent".
 */
import * as Schema from "effect/Schema"
import { strictFields } from "./Requests.js"
import { Email, NewPassword } from "./Credentials.js"
import { IsoDate } from "./IsoDate.js"
import { OtpDeliveryChannel } from "./Otp.js"
import { ClientId } from "./Partner.js"

/** `POST /sandbox/users` and `POST /sandbox/partners` body. */
export class CreateAccountRequest extends Schema.Class<CreateAccountRequest>("CreateAccountRequest")(
  Schema.Struct({ email: Email, password: NewPassword }).annotations(strictFields)
) {}

/** `POST /sandbox/partners` answer: everything a partner needs to log in. */
export class PartnerCredentials extends Schema.Class<PartnerCredentials>("PartnerCredentials")({
  client_id: ClientId,
  client_secret: Schema.String,
  totp_secret: Schema.String,
  totp_uri: Schema.String
}) {}

/** `GET /sandbox/outbox` query: the email address or E.164 phone the codes went to. */
export const OutboxQuery = Schema.Struct({
  to: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(254))
})

/** One code the sandbox delivered. */
export class OutboxMessage extends Schema.Class<OutboxMessage>("OutboxMessage")({
  channel: OtpDeliveryChannel,
  to: Schema.String,
  code: Schema.String,
  sentAt: IsoDate
}) {}
