/**
 * Payloads of the sandbox endpoints, which let integrators create users and partners, read the
 * codes the sandbox "sent", move its clock, reset it and inject faults.
 */
import * as Schema from "effect/Schema"
import {
  ADVANCE_MESSAGE,
  FAULT_METHODS,
  FaultRules,
  isTotpSecretText,
  Lengths,
  MAX_ADVANCE_SECONDS,
  normaliseBase32,
  TotpSecretInputRule
} from "../Shared/WireRules.js"
import { Email, NewPassword } from "./Credentials.js"
import { IsoDate } from "./IsoDate.js"
import { OtpDeliveryChannel } from "./Otp.js"
import { ClientId } from "./Partner.js"
import { lengthWithin, strictFields } from "./Requests.js"

/** `POST /sandbox/users` body. */
export class CreateAccountRequest extends Schema.Class<CreateAccountRequest>("CreateAccountRequest")(
  Schema.Struct({ email: Email, password: NewPassword }).annotations(strictFields)
) {}

export { MAX_TOTP_SECRET_CHARS, MIN_TOTP_SECRET_CHARS } from "../Shared/WireRules.js"

/**
 * A TOTP secret given by an integrator: base32 of at least 80 bits (16 characters), as real
 * authenticator pages show it; decoded to its normal form (upper case, no spaces, no padding).
 */
export const TotpSecretInput = Schema.transform(
  Schema.String.pipe(
    Schema.maxLength(TotpSecretInputRule.maxLength, { message: () => TotpSecretInputRule.lengthMessage }),
    Schema.filter(isTotpSecretText, { message: () => TotpSecretInputRule.message })
  ),
  // Arbitrary values are valid secrets: 16, 24 or 32 base32 characters (80, 120, 160 bits).
  Schema.String.annotations({
    arbitrary: () => (fc) =>
      fc.constantFrom(16, 24, 32).chain((length) => fc.stringMatching(new RegExp(`^[A-Z2-7]{${length}}$`)))
  }),
  { strict: true, decode: normaliseBase32, encode: (normal) => normal }
).annotations({ identifier: "TotpSecretInput" })

/** `POST /sandbox/partners` body: an account and, optionally, the TOTP secret it must have. */
export class CreatePartnerRequest extends Schema.Class<CreatePartnerRequest>("CreatePartnerRequest")(
  Schema.Struct({ email: Email, password: NewPassword, totp_secret: Schema.optional(TotpSecretInput) }).annotations(
    strictFields
  )
) {}

/** `POST /sandbox/partners` answer: everything a partner needs to log in. */
export class PartnerCredentials extends Schema.Class<PartnerCredentials>("PartnerCredentials")({
  client_id: ClientId,
  client_secret: Schema.String,
  totp_secret: Schema.String,
  totp_uri: Schema.String
}) {}

/** `GET /sandbox/outbox` query: the email address or E.164 phone the codes went to (the latest codes to anyone without it). */
export const OutboxQuery = Schema.Struct({
  to: Schema.optional(lengthWithin(Lengths.outboxTo))
})

export { MAX_OUTBOX_MESSAGES } from "../Shared/WireRules.js"

/** One code the sandbox delivered. */
export class OutboxMessage extends Schema.Class<OutboxMessage>("OutboxMessage")({
  channel: OtpDeliveryChannel,
  to: Schema.String,
  code: Schema.String,
  sentAt: IsoDate
}) {}

export { MAX_ADVANCE_SECONDS } from "../Shared/WireRules.js"

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
export class AdvanceClockRequest extends Schema.Class<AdvanceClockRequest>("AdvanceClockRequest")(
  Schema.Struct({
    advanceSeconds: Schema.Int.pipe(Schema.between(1, MAX_ADVANCE_SECONDS)).annotations({
      message: () => ADVANCE_MESSAGE
    })
  }).annotations(strictFields)
) {}

/** The HTTP methods a fault can match. */
export const FaultMethod = Schema.Literal(...FAULT_METHODS).annotations({
  identifier: "FaultMethod",
  message: () => FaultRules.methodMessage
})

/** `POST /sandbox/faults` body: the next `count` requests to `method` `path` are delayed and/or answered with `status`. */
export class FaultRequest extends Schema.Class<FaultRequest>("FaultRequest")(
  Schema.Struct({
    method: FaultMethod,
    path: Schema.String.pipe(
      Schema.pattern(FaultRules.pathPattern, { message: () => FaultRules.pathMessage }),
      Schema.filter((path) => !FaultRules.isSandboxPath(path), { message: () => FaultRules.sandboxPathMessage })
    ),
    status: Schema.optional(
      Schema.Int.pipe(Schema.between(FaultRules.status.min, FaultRules.status.max)).annotations({
        message: () => FaultRules.status.message
      })
    ),
    delayMs: Schema.optional(
      Schema.Int.pipe(Schema.between(FaultRules.delayMs.min, FaultRules.delayMs.max)).annotations({
        message: () => FaultRules.delayMs.message
      })
    ),
    count: Schema.Int.pipe(Schema.between(FaultRules.count.min, FaultRules.count.max)).annotations({
      message: () => FaultRules.count.message
    })
  }).pipe(
    Schema.filter(
      (fault) =>
        fault.status !== undefined || fault.delayMs !== undefined ||
        { path: ["status"], message: FaultRules.neitherMessage }
    )
  ).annotations(strictFields)
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
