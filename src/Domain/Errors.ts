/**
 * The documented errors of the Criptan and KriptoAPI auth APIs, each a tagged error carrying its
 * HTTP status so that the contract, the server and the client agree on the wire format.
 */
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as Schema from "effect/Schema"
import { ErrorStatuses } from "../Shared/WireRules.js"

/** 403: missing/invalid/expired bearer token, wrong credentials, blocked user, invalid refresh token. */
export class AuthError extends Schema.TaggedError<AuthError>()(
  "AuthError",
  { message: Schema.String },
  HttpApiSchema.annotations(ErrorStatuses.AuthError)
) {}

/** 401: an OTP, TOTP or partner security code that does not verify, or was already used. */
export class InvalidOtp extends Schema.TaggedError<InvalidOtp>()(
  "InvalidOtp",
  { message: Schema.String },
  HttpApiSchema.annotations(ErrorStatuses.InvalidOtp)
) {}

/** 401: too many failed verifications or code requests; retry after `retryAfterSeconds`. */
export class AttemptsExhausted extends Schema.TaggedError<AttemptsExhausted>()(
  "AttemptsExhausted",
  {
    message: Schema.String,
    retryAfterSeconds: Schema.Int.pipe(Schema.nonNegative())
  },
  HttpApiSchema.annotations(ErrorStatuses.AttemptsExhausted)
) {}

/** 400: TOTP secret already validated, valid phone already added, or channel already verified. */
export class AlreadyConfigured extends Schema.TaggedError<AlreadyConfigured>()(
  "AlreadyConfigured",
  { message: Schema.String },
  HttpApiSchema.annotations(ErrorStatuses.AlreadyConfigured)
) {}

/** 400: no TOTP secret to delete, or a channel to verify that is not set up. */
export class NotConfigured extends Schema.TaggedError<NotConfigured>()(
  "NotConfigured",
  { message: Schema.String },
  HttpApiSchema.annotations(ErrorStatuses.NotConfigured)
) {}

/** 400: a code was requested for a method that cannot receive one. */
export class MethodNotAllowed extends Schema.TaggedError<MethodNotAllowed>()(
  "MethodNotAllowed",
  { message: Schema.String },
  HttpApiSchema.annotations(ErrorStatuses.MethodNotAllowed)
) {}

/** 404: the route exists only in sandbox mode, or the resource does not exist. */
export class NotFound extends Schema.TaggedError<NotFound>()(
  "NotFound",
  { message: Schema.String },
  HttpApiSchema.annotations(ErrorStatuses.NotFound)
) {}

/** 500: anything unexpected; the message never carries internals. */
export class InternalError extends Schema.TaggedError<InternalError>()(
  "InternalError",
  { message: Schema.String },
  HttpApiSchema.annotations(ErrorStatuses.InternalError)
) {}

/**
 * 503: the store is down, frozen or full (or the server is shedding load or shutting down): nothing
 * was changed; retry after the `Retry-After` header's seconds.
 */
export class ServiceUnavailable extends Schema.TaggedError<ServiceUnavailable>()(
  "ServiceUnavailable",
  { message: Schema.String },
  HttpApiSchema.annotations(ErrorStatuses.ServiceUnavailable)
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
  | ServiceUnavailable
