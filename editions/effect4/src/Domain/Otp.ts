/**
 * One-time codes: the channels they travel on, the status of a requested code, and the shape of a
 * code presented for verification.
 */
import { otpHeaderRefusalMessage } from "#shared/ClientRules.js"
import { OtpCodeRule } from "#shared/WireRules.js"
import * as Schema from "effect/Schema"
import { InvalidOtp } from "./Errors.js"
import { IsoDate } from "./IsoDate.js"
import { unicodePattern } from "./Requests.js"

export { isOtpCode } from "#shared/ClientRules.js"

/** Channels that can receive a code (`GET /auth/otp/code?method=`). */
export const OtpDeliveryChannel = Schema.Literals(["EMAIL", "SMS"]).annotate({ identifier: "OtpDeliveryChannel" })
/** Channels that can receive a code. */
export type OtpDeliveryChannel = typeof OtpDeliveryChannel.Type

/** Channels that can be verified (`POST /auth/otp/code`). */
export const OtpChannel = Schema.Literals(["EMAIL", "SMS", "TOTP"]).annotate({ identifier: "OtpChannel" })
/** Channels that can be verified. */
export type OtpChannel = typeof OtpChannel.Type

/** A presented one-time code: exactly 6 ASCII digits. Anything else is refused before it is tried. */
export const OtpCode = Schema.String.check(
  Schema.isPattern(unicodePattern(OtpCodeRule.pattern), { message: OtpCodeRule.message })
)
  .annotate({ identifier: "OtpCode" })

/** `GET /auth/otp/code` query parameters. */
export const OtpCodeQuery = Schema.Struct({
  method: OtpChannel.annotate({ description: "EMAIL or SMS; TOTP is refused with MethodNotAllowed" })
})

/** `GET /auth/otp/code` answer: when the code stops being valid, where it went, whether it is used. */
export class OtpCodeStatus extends Schema.Class<OtpCodeStatus>("OtpCodeStatus")({
  validUntil: IsoDate,
  channel: OtpDeliveryChannel,
  validated: Schema.Boolean
}) {}

/** `POST /auth/otp/code` body: the channel whose code is in `x-otp`. */
export class VerifyOtpRequest extends Schema.Class<VerifyOtpRequest>("VerifyOtpRequest")({ channel: OtpChannel }) {}

/** A passed step-up: which validated channel's code was used, and when (`POST /auth/otp/verify`). */
export class StepUpProof extends Schema.Class<StepUpProof>("StepUpProof")({
  channel: OtpChannel,
  verifiedAt: IsoDate
}) {}

/** The `x-otp` header carrying a one-time code. */
export const OtpHeader = Schema.Struct({ "x-otp": OtpCode })

/** The refusal of a step-up whose `x-otp` header is missing or empty, or is not a 6-digit code (`malformed`). */
export const otpHeaderRefusal = (malformed: boolean): InvalidOtp =>
  new InvalidOtp({ message: otpHeaderRefusalMessage(malformed) })
