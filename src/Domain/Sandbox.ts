/**
 * Payloads of the sandbox endpoints, which let integrators create users and partners, read the
 * codes the sandbox "sent", move its clock, reset it and inject faults.
 */
import * as Schema from "effect/Schema"
import { Email, NewPassword } from "./Credentials.js"
import { IsoDate } from "./IsoDate.js"
import { OtpDeliveryChannel } from "./Otp.js"
import { ClientId } from "./Partner.js"
import { lengthBetween, strictFields } from "./Requests.js"

/** `POST /sandbox/users` body. */
export class CreateAccountRequest extends Schema.Class<CreateAccountRequest>("CreateAccountRequest")(
  Schema.Struct({ email: Email, password: NewPassword }).annotations(strictFields)
) {}

/** The fewest base32 characters of a TOTP secret an integrator may bring: 16, i.e. 80 bits. */
export const MIN_TOTP_SECRET_CHARS = 16

/** The most base32 characters of a TOTP secret an integrator may bring: 103, i.e. 64 bytes. */
export const MAX_TOTP_SECRET_CHARS = 103

/** A base32 string as authenticator pages print it (any case, spaces, optional `=`), normalised: upper case, no spaces, no padding. */
const normaliseBase32 = (text: string): string => text.replace(/ /g, "").replace(/=+$/, "").toUpperCase()

/**
 * A TOTP secret given by an integrator: base32 of at least 80 bits (16 characters), as real
 * authenticator pages show it; decoded to its normal form (upper case, no spaces, no padding).
 */
export const TotpSecretInput = Schema.transform(
  Schema.String.pipe(
    Schema.maxLength(256, { message: () => "must be a base32 TOTP secret of 16 to 103 characters" }),
    Schema.filter(
      (text) => {
        const normal = normaliseBase32(text)
        return (
          /^[A-Z2-7]*$/.test(normal) &&
          normal.length >= MIN_TOTP_SECRET_CHARS &&
          normal.length <= MAX_TOTP_SECRET_CHARS &&
          ![1, 3, 6].includes(normal.length % 8)
        )
      },
      { message: () => "must be a base32 TOTP secret (letters A-Z and digits 2-7) of at least 80 bits (16 characters)" }
    )
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
  to: Schema.optional(lengthBetween(1, 254, "must be an email address or E.164 phone of 1 to 254 characters"))
})

/** The most messages one `GET /sandbox/outbox` answers. */
export const MAX_OUTBOX_MESSAGES = 100

/** One code the sandbox delivered. */
export class OutboxMessage extends Schema.Class<OutboxMessage>("OutboxMessage")({
  channel: OtpDeliveryChannel,
  to: Schema.String,
  code: Schema.String,
  sentAt: IsoDate
}) {}

/** The longest jump of `POST /sandbox/clock`: 365 days, in seconds. */
export const MAX_ADVANCE_SECONDS = 31_536_000

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
      message: () => `must be a whole number of seconds from 1 to ${MAX_ADVANCE_SECONDS}`
    })
  }).annotations(strictFields)
) {}

/** The HTTP methods a fault can match. */
export const FaultMethod = Schema.Literal("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS").annotations({
  identifier: "FaultMethod",
  message: () => "must be one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"
})

/** `POST /sandbox/faults` body: the next `count` requests to `method` `path` are delayed and/or answered with `status`. */
export class FaultRequest extends Schema.Class<FaultRequest>("FaultRequest")(
  Schema.Struct({
    method: FaultMethod,
    path: Schema.String.pipe(
      Schema.pattern(/^\/[^?#\s]{0,511}$/, {
        message: () => "must be a path starting with / of at most 512 characters, without query or spaces"
      }),
      Schema.filter((path) => !(path === "/sandbox" || path.startsWith("/sandbox/")), {
        message: () => "faults never apply to /sandbox routes"
      })
    ),
    status: Schema.optional(
      Schema.Int.pipe(Schema.between(400, 599)).annotations({ message: () => "must be an HTTP status from 400 to 599" })
    ),
    delayMs: Schema.optional(
      Schema.Int.pipe(Schema.between(0, 30_000)).annotations({
        message: () => "must be a whole number of milliseconds from 0 to 30000"
      })
    ),
    count: Schema.Int.pipe(Schema.between(1, 1000)).annotations({
      message: () => "must be a whole number from 1 to 1000"
    })
  }).pipe(
    Schema.filter(
      (fault) =>
        fault.status !== undefined || fault.delayMs !== undefined ||
        { path: ["status"], message: "give status, delayMs or both" }
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
