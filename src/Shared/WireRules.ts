/**
 * The rules of the wire format that do not depend on Effect, written once for both editions'
 * schemas (`src/Shared/`): the patterns, bounds and plain messages of each field, the error
 * statuses and descriptions, the event types, the phone rule (libphonenumber-js), and the
 * normal form of a TOTP secret an integrator brings. Each edition's `Domain` builds its own
 * `Schema`s from these.
 */
import { type CountryCode, getCountries, parsePhoneNumberFromString } from "libphonenumber-js/max"

/** A string field's bounds and the one message either bound broken says (never the value). */
export interface LengthRule {
  readonly min: number
  readonly max: number
  readonly message: string
}

/** The length rules of the string fields of request bodies and queries. */
export const Lengths = {
  loginPassword: { min: 1, max: 256, message: "must be a password of 1 to 256 characters" },
  newPassword: { min: 8, max: 256, message: "must be a password of 8 to 256 characters" },
  refreshToken: { min: 1, max: 512, message: "must be a refresh token of 1 to 512 characters" },
  clientSecret: { min: 1, max: 512, message: "must be a client secret of 1 to 512 characters" },
  phone: { min: 1, max: 64, message: "must be a phone number of 1 to 64 characters" },
  outboxTo: { min: 1, max: 254, message: "must be an email address or E.164 phone of 1 to 254 characters" }
} as const satisfies Record<string, LengthRule>

/** The email rule: one `@`, no spaces, a dot in the domain, at most 254 characters. */
export const EmailRule = {
  maxLength: 254,
  maxLengthMessage: "must be an email address of at most 254 characters",
  pattern: /^[^\s@]+@[^\s@]+\.[^\s@]+$/,
  patternMessage: "must be an email address such as name@example.com"
} as const

/** A presented one-time code: exactly 6 ASCII digits. */
export const OtpCodeRule = { pattern: /^[0-9]{6}$/, message: "must be exactly 6 digits" } as const

/** A partner's `client_id`: a whole number from 1 to 2^31 − 1. */
export const ClientIdRule = {
  max: 2_147_483_647,
  message: "must be a client id: a whole number from 1 to 2147483647"
} as const

/** The default and maximum partner session lifetime (60 minutes). */
export const MAX_EXPIRES_IN = 3600

/** A partner session's `expires_in`: 1..3600 seconds. */
export const ExpiresInRule = {
  min: 1,
  max: MAX_EXPIRES_IN,
  message: "must be a whole number of seconds from 1 to 3600"
}

/** A TOTP secret as the server hands it out: base32 letters, optional padding; and its key URI's prefix. */
export const TotpSecretRule = { pattern: /^[A-Z2-7]+=*$/, uriPrefix: "otpauth://totp/" } as const

/** The fewest base32 characters of a TOTP secret an integrator may bring: 16, i.e. 80 bits. */
export const MIN_TOTP_SECRET_CHARS = 16

/** The most base32 characters of a TOTP secret an integrator may bring: 103, i.e. 64 bytes. */
export const MAX_TOTP_SECRET_CHARS = 103

/** The longest text accepted for a TOTP secret an integrator brings, and the messages of its refusals. */
export const TotpSecretInputRule = {
  maxLength: 256,
  lengthMessage: "must be a base32 TOTP secret of 16 to 103 characters",
  message: "must be a base32 TOTP secret (letters A-Z and digits 2-7) of at least 80 bits (16 characters)"
} as const

/** A base32 string as authenticator pages print it (any case, spaces, optional `=`), normalised: upper case, no spaces, no padding. */
export const normaliseBase32 = (text: string): string => text.replace(/ /g, "").replace(/=+$/, "").toUpperCase()

/** Whether `text` is a TOTP secret an integrator may bring: base32 of 16..103 characters once normalised, a whole number of bytes. */
export const isTotpSecretText = (text: string): boolean => {
  const normal = normaliseBase32(text)
  return (
    /^[A-Z2-7]*$/.test(normal) &&
    normal.length >= MIN_TOTP_SECRET_CHARS &&
    normal.length <= MAX_TOTP_SECRET_CHARS &&
    ![1, 3, 6].includes(normal.length % 8)
  )
}

/** The most messages one `GET /sandbox/outbox` answers. */
export const MAX_OUTBOX_MESSAGES = 100

/** The longest jump of `POST /sandbox/clock`: 365 days, in seconds. */
export const MAX_ADVANCE_SECONDS = 31_536_000

/** `POST /sandbox/clock`'s `advanceSeconds` message. */
export const ADVANCE_MESSAGE = `must be a whole number of seconds from 1 to ${MAX_ADVANCE_SECONDS}`

/** The HTTP methods a sandbox fault can match. */
export const FAULT_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const

/** The rules of `POST /sandbox/faults`'s fields. */
export const FaultRules = {
  methodMessage: `must be one of ${FAULT_METHODS.join(", ")}`,
  pathPattern: /^\/[^?#\s]{0,511}$/,
  pathMessage: "must be a path starting with / of at most 512 characters, without query or spaces",
  /** Faults never apply to the sandbox's own routes. */
  isSandboxPath: (path: string): boolean => path === "/sandbox" || path.startsWith("/sandbox/"),
  sandboxPathMessage: "faults never apply to /sandbox routes",
  status: { min: 400, max: 599, message: "must be an HTTP status from 400 to 599" },
  delayMs: { min: 0, max: 30_000, message: "must be a whole number of milliseconds from 0 to 30000" },
  count: { min: 1, max: 1000, message: "must be a whole number from 1 to 1000" },
  neitherMessage: "give status, delayMs or both"
} as const

/** The most events one `GET /sandbox/events` answers. */
export const MAX_EVENTS_PER_PAGE = 500

/** `GET /sandbox/events`'s `after` message. */
export const EVENTS_AFTER_MESSAGE = "must be an event id: a whole number from 0"

/** Every security event type, as `GET /sandbox/events` and the event stream name them. */
export const SECURITY_EVENT_TYPES = [
  "login.succeeded",
  "login.refused",
  "login.locked",
  "refresh.succeeded",
  "refresh.refused",
  "otp.sent",
  "otp.delivery_failed",
  "otp.verified",
  "otp.refused",
  "otp.locked",
  "totp.created",
  "totp.validated",
  "totp.deleted",
  "totp.replayed",
  "stepup.verified",
  "stepup.refused",
  "partner.login",
  "partner.refused",
  "partner.locked",
  "partner.logout"
] as const

/** The status and description of each error of the contract (domain errors and the transport's refusals). */
export const ErrorStatuses = {
  AuthError: { status: 403, description: "Authentication error" },
  InvalidOtp: { status: 401, description: "OTP is not valid" },
  AttemptsExhausted: { status: 401, description: "The user has exhausted its available attempts and must wait" },
  AlreadyConfigured: { status: 400, description: "The method is already configured" },
  NotConfigured: { status: 400, description: "The method is not configured" },
  MethodNotAllowed: { status: 400, description: "The MFA method is not allowed to be used" },
  NotFound: { status: 404, description: "Not found" },
  InternalError: { status: 500, description: "Internal error" },
  ServiceUnavailable: { status: 503, description: "Service unavailable: retry after Retry-After seconds" },
  HealthUnavailable: {
    status: 503,
    description: "The store cannot be read and written, or the server is shutting down"
  },
  PayloadTooLarge: { status: 413, description: "The request body exceeds 64 KiB" },
  UnsupportedMediaType: { status: 415, description: "The request body is not application/json" },
  HttpMethodNotAllowed: { status: 405, description: "The path does not accept this method" }
} as const

/** The region codes libphonenumber-js knows (the Criptan docs' `country` enum, e.g. `ES`, `AC`). */
export const COUNTRIES: ReadonlyArray<CountryCode> = getCountries()
const countrySet: ReadonlySet<string> = new Set(COUNTRIES)

/** Whether `code` is a region code of the `country` enum. */
export const isCountry = (code: string): code is CountryCode => countrySet.has(code)

/** The country rule's message and description, and the E.164 pattern. */
export const PhoneRules = {
  countryMessage: "must be an ISO 3166 region code such as ES",
  countryDescription: "ISO 3166-1 alpha-2 region code",
  e164Pattern: /^\+[1-9][0-9]{3,14}$/
} as const

/** `phone` as a number of `country` in E.164 form, or the message naming what is wrong. */
export const e164Of = (
  phone: string,
  country: CountryCode
): { readonly _tag: "Ok"; readonly value: string } | { readonly _tag: "Refused"; readonly message: string } => {
  const parsed = parsePhoneNumberFromString(phone, country)
  if (parsed === undefined || !parsed.isValid()) {
    return { _tag: "Refused", message: `is not a valid phone number for country ${country}` }
  }
  if (parsed.country !== undefined && parsed.country !== country) {
    return { _tag: "Refused", message: `belongs to ${parsed.country}, not to country ${country}` }
  }
  return { _tag: "Ok", value: parsed.number }
}
