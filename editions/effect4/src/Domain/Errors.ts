/**
 * The documented errors of the Criptan and KriptoAPI auth APIs, each a tagged error carrying its
 * HTTP status (`httpApiStatus`) so that the contract, the server and the client agree on the wire.
 * Statuses and descriptions are the shared `ErrorStatuses`, the same as the Effect 3 edition's.
 */
import { ErrorStatuses } from "#shared/WireRules.js"
import * as Schema from "effect/Schema"

/** The annotations of an error: its status and description. */
const statusOf = (tag: keyof typeof ErrorStatuses) => ({
  httpApiStatus: ErrorStatuses[tag].status,
  description: ErrorStatuses[tag].description
})

/** 403: missing/invalid/expired bearer token, wrong credentials, blocked user, invalid refresh token. */
export class AuthError extends Schema.TaggedError<AuthError>()(
  "AuthError",
  { message: Schema.String },
  statusOf("AuthError")
) {}

/** 401: an OTP, TOTP or partner security code that does not verify, or was already used. */
export class InvalidOtp extends Schema.TaggedError<InvalidOtp>()(
  "InvalidOtp",
  { message: Schema.String },
  statusOf("InvalidOtp")
) {}

/** 401: too many failed verifications or code requests; retry after `retryAfterSeconds`. */
export class AttemptsExhausted extends Schema.TaggedError<AttemptsExhausted>()(
  "AttemptsExhausted",
  { message: Schema.String, retryAfterSeconds: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)) },
  statusOf("AttemptsExhausted")
) {}

/** 400: TOTP secret already validated, valid phone already added, or channel already verified. */
export class AlreadyConfigured extends Schema.TaggedError<AlreadyConfigured>()(
  "AlreadyConfigured",
  { message: Schema.String },
  statusOf("AlreadyConfigured")
) {}

/** 400: no TOTP secret to delete, or a channel to verify that is not set up. */
export class NotConfigured extends Schema.TaggedError<NotConfigured>()(
  "NotConfigured",
  { message: Schema.String },
  statusOf("NotConfigured")
) {}

/** 400: a code was requested for a method that cannot receive one. */
export class MethodNotAllowed extends Schema.TaggedError<MethodNotAllowed>()(
  "MethodNotAllowed",
  { message: Schema.String },
  statusOf("MethodNotAllowed")
) {}

/** 404: the route exists only in sandbox mode, or the resource does not exist. */
export class NotFound extends Schema.TaggedError<NotFound>()(
  "NotFound",
  { message: Schema.String },
  statusOf("NotFound")
) {}

/** 500: anything unexpected; the message never carries internals. */
export class InternalError extends Schema.TaggedError<InternalError>()(
  "InternalError",
  { message: Schema.String },
  statusOf("InternalError")
) {}

/**
 * 503: the store is down, frozen or full (or the server is shedding load or shutting down): nothing
 * was changed; retry after the `Retry-After` header's seconds.
 */
export class ServiceUnavailable extends Schema.TaggedError<ServiceUnavailable>()(
  "ServiceUnavailable",
  { message: Schema.String },
  statusOf("ServiceUnavailable")
) {}

/** 413: the request body exceeds 64 KiB; it is refused before it is read. */
export class PayloadTooLarge extends Schema.TaggedError<PayloadTooLarge>()(
  "PayloadTooLarge",
  { message: Schema.String },
  statusOf("PayloadTooLarge")
) {}

/** 415: the request body is not `application/json`; the API speaks JSON only. */
export class UnsupportedMediaType extends Schema.TaggedError<UnsupportedMediaType>()(
  "UnsupportedMediaType",
  { message: Schema.String },
  statusOf("UnsupportedMediaType")
) {}

/** 405: the path exists but not with this method; the `Allow` header lists the methods it accepts. */
export class HttpMethodNotAllowed extends Schema.TaggedError<HttpMethodNotAllowed>()(
  "HttpMethodNotAllowed",
  { message: Schema.String },
  statusOf("HttpMethodNotAllowed")
) {}

/** One problem of a refused request, as the server reports it: its kind, where (`path`) and what (`message`). */
export const DecodeIssue = Schema.Struct({
  _tag: Schema.Literals([
    "Pointer",
    "Unexpected",
    "Missing",
    "Composite",
    "Refinement",
    "Transformation",
    "Type",
    "Forbidden"
  ]),
  path: Schema.Array(Schema.Union([Schema.String, Schema.Number])),
  message: Schema.String
}).annotate({ identifier: "Issue" })

/** 400: the server refused the request itself (a body, query or header that does not decode), naming each problem. */
export class HttpApiDecodeError extends Schema.TaggedError<HttpApiDecodeError>()(
  "HttpApiDecodeError",
  { issues: Schema.Array(DecodeIssue), message: Schema.String },
  { httpApiStatus: 400, description: "The request did not match the expected schema" }
) {}

/** Every tagged error of the domain, for exhaustive handling. */
export type RampartError =
  | AuthError
  | InvalidOtp
  | AttemptsExhausted
  | AlreadyConfigured
  | NotConfigured
  | MethodNotAllowed
  | NotFound
  | InternalError
