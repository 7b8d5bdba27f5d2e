/**
 * The user security profile: the "user" payload of the Criptan auth API, field names exactly as
 * documented. Dates are ISO-8601 strings on the wire and `Date` values in TypeScript.
 */
import { TotpSecretRule } from "#shared/WireRules.js"
import * as Schema from "effect/Schema"
import { IsoDate } from "./IsoDate.js"
import { unicodePattern } from "./Requests.js"

/** The account status of a user. */
export const UserStatus = Schema.Literals(["ACTIVE", "BLOCKED"]).annotate({ identifier: "UserStatus" })
/** The account status of a user. */
export type UserStatus = typeof UserStatus.Type

/** A date that may not exist yet (`null` on the wire). */
const OptionalDate = Schema.NullOr(IsoDate)

/** The fields of the security profile, shared by the plain profile and the TOTP enrolment. */
export const securityProfileFields = {
  email: Schema.String,
  hasValidatedEmail: Schema.Boolean,
  emailVerificationDate: OptionalDate,
  hasValidatedSecret: Schema.Boolean,
  secretVerificationDate: OptionalDate,
  phoneNumber: Schema.NullOr(Schema.String),
  hasValidatedPhone: Schema.Boolean,
  phoneVerificationDate: OptionalDate,
  lastLoggedDate: OptionalDate,
  status: UserStatus,
  lastLoggedDevice: Schema.NullOr(Schema.String),
  lastPasswordChangeDate: OptionalDate
}

/** The user security profile returned by the OTP method and code endpoints. */
export class SecurityProfile extends Schema.Class<SecurityProfile>("SecurityProfile")(securityProfileFields) {}

/** A freshly created TOTP secret: base32 secret and its `otpauth://totp/...` key URI. */
export class TotpSecret extends Schema.Class<TotpSecret>("TotpSecret")({
  secret: Schema.String.check(Schema.isPattern(unicodePattern(TotpSecretRule.pattern))),
  uri: Schema.String.check(Schema.isStartingWith(TotpSecretRule.uriPrefix))
}) {}

/** The answer to `POST /auth/otp/methods/totp`: the profile plus the new (unvalidated) secret. */
export class TotpEnrollment extends Schema.Class<TotpEnrollment>("TotpEnrollment")({
  ...securityProfileFields,
  totp: TotpSecret
}) {}
