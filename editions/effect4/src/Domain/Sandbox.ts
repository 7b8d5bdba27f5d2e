/**
 * Payloads of the sandbox endpoints, which let integrators create users and partners, read the
 * codes the sandbox "sent", move its clock, reset it and inject faults.
 */
import {
  ADVANCE_MESSAGE,
  FAULT_METHODS,
  FaultRules,
  isTotpSecretText,
  Lengths,
  MAX_ADVANCE_SECONDS,
  normaliseBase32,
  TotpSecretInputRule
} from "#shared/WireRules.js"
import * as Schema from "effect/Schema"
import * as SchemaGetter from "effect/SchemaGetter"
import { Email, NewPassword } from "./Credentials.js"
import { IsoDate } from "./IsoDate.js"
import { OtpDeliveryChannel } from "./Otp.js"
import { ClientId } from "./Partner.js"
import { lengthWithin, unicodePattern } from "./Requests.js"

export {
  MAX_ADVANCE_SECONDS,
  MAX_OUTBOX_MESSAGES,
  MAX_TOTP_SECRET_CHARS,
  MIN_TOTP_SECRET_CHARS
} from "#shared/WireRules.js"

/** `POST /sandbox/users` body. */
export class CreateAccountRequest extends Schema.Class<CreateAccountRequest>("CreateAccountRequest")({
  email: Email,
  password: NewPassword
}) {}

/**
 * A TOTP secret given by an integrator: base32 of at least 80 bits (16 characters), as real
 * authenticator pages show it; decoded to its normal form (upper case, no spaces, no padding).
 */
export const TotpSecretInput = Schema.String.check(
  Schema.isMaxLength(TotpSecretInputRule.maxLength, { message: TotpSecretInputRule.lengthMessage }),
  Schema.makeFilter(isTotpSecretText, { message: TotpSecretInputRule.message })
).pipe(
  Schema.decodeTo(Schema.String, {
    decode: SchemaGetter.transform(normaliseBase32),
    encode: SchemaGetter.transform((normal: string) => normal)
  })
).annotate({ identifier: "TotpSecretInput" })

/** `POST /sandbox/partners` body: an account and, optionally, the TOTP secret it must have. */
export class CreatePartnerRequest extends Schema.Class<CreatePartnerRequest>("CreatePartnerRequest")({
  email: Email,
  password: NewPassword,
  totp_secret: Schema.optionalKey(TotpSecretInput)
}) {}

/** `POST /sandbox/partners` answer: everything a partner needs to log in. */
export class PartnerCredentials extends Schema.Class<PartnerCredentials>("PartnerCredentials")({
  client_id: ClientId,
  client_secret: Schema.String,
  totp_secret: Schema.String,
  totp_uri: Schema.String
}) {}

/** `GET /sandbox/outbox` query: the email address or E.164 phone the codes went to (the latest codes to anyone without it). */
export const OutboxQuery = Schema.Struct({ to: Schema.optionalKey(lengthWithin(Lengths.outboxTo)) })

/** One code the sandbox delivered. */
export class OutboxMessage extends Schema.Class<OutboxMessage>("OutboxMessage")({
  channel: OtpDeliveryChannel,
  to: Schema.String,
  code: Schema.String,
  sentAt: IsoDate
}) {}

/** `GET /sandbox/clock` and `POST /sandbox/clock` answer: sandbox time and how far it is ahead of wall time. */
export class SandboxTime extends Schema.Class<SandboxTime>("SandboxTime")({
  now: IsoDate,
  offsetSeconds: Schema.Int
}) {}

/** `POST /sandbox/keys/rotate` answer: the new signing key's `kid` and the previous keys' (newest first), all in the JWKS. */
export class RotatedSigningKeys extends Schema.Class<RotatedSigningKeys>("RotatedSigningKeys")({
  kid: Schema.String,
  previous: Schema.Array(Schema.String)
}) {}

/** `POST /sandbox/clock` body: how many seconds sandbox time jumps forward. */
export class AdvanceClockRequest extends Schema.Class<AdvanceClockRequest>("AdvanceClockRequest")({
  advanceSeconds: Schema.Int.check(
    Schema.isBetween({ minimum: 1, maximum: MAX_ADVANCE_SECONDS }, { message: ADVANCE_MESSAGE })
  )
}) {}

/** The HTTP methods a fault can match. */
export const FaultMethod = Schema.Literals(FAULT_METHODS).annotate({
  identifier: "FaultMethod",
  message: FaultRules.methodMessage
})

/** An integer within one of the shared fault bounds, with its message. */
const boundedInt = (rule: { readonly min: number; readonly max: number; readonly message: string }) =>
  Schema.Int.check(Schema.isBetween({ minimum: rule.min, maximum: rule.max }, { message: rule.message }))

/** `POST /sandbox/faults` body: the next `count` requests to `method` `path` are delayed and/or answered with `status`. */
export class FaultRequest extends Schema.Class<FaultRequest>("FaultRequest")(
  Schema.Struct({
    method: FaultMethod,
    path: Schema.String.check(
      Schema.isPattern(unicodePattern(FaultRules.pathPattern), { message: FaultRules.pathMessage }),
      Schema.makeFilter((path: string) => !FaultRules.isSandboxPath(path), { message: FaultRules.sandboxPathMessage })
    ),
    status: Schema.optionalKey(boundedInt(FaultRules.status)),
    delayMs: Schema.optionalKey(boundedInt(FaultRules.delayMs)),
    count: boundedInt(FaultRules.count)
  }).check(
    Schema.makeFilter((fault) =>
      fault.status !== undefined || fault.delayMs !== undefined ||
      { path: ["status"], issue: FaultRules.neitherMessage }
    )
  )
) {}

/** `POST /sandbox/faults` answer. */
export class FaultCreated extends Schema.Class<FaultCreated>("FaultCreated")({ id: Schema.String }) {}

/** A TOTP secret as the sandbox page shows it: the secret, its `otpauth://` URI, the code at sandbox time and a QR code (SVG). */
export class TotpCard extends Schema.Class<TotpCard>("TotpCard")({
  secret: Schema.String,
  uri: Schema.String,
  code: Schema.String,
  qrSvg: Schema.String
}) {}

/** A user as the sandbox page lists it. */
export class SandboxUser extends Schema.Class<SandboxUser>("SandboxUser")({
  id: Schema.String,
  email: Schema.String,
  phone: Schema.NullOr(Schema.String),
  totp: Schema.NullOr(TotpCard),
  clientIds: Schema.Array(Schema.Int)
}) {}

/** `GET /sandbox/accounts` answer: every user (partners are users with client ids), newest first, at most 200. */
export class SandboxAccounts extends Schema.Class<SandboxAccounts>("SandboxAccounts")({
  now: IsoDate,
  users: Schema.Array(SandboxUser)
}) {}
