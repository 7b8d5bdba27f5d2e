/**
 * Credentials and tokens of the Criptan password login: request and response payloads.
 * Passwords are decoded straight into `Redacted` so they never print.
 */
import { EmailRule, Lengths } from "#shared/WireRules.js"
import * as Schema from "effect/Schema"
import { lengthWithin, unicodePattern } from "./Requests.js"

/** An email address: one `@`, no spaces, a dot in the domain, at most 254 characters. */
export const Email = Schema.String.check(
  Schema.isMaxLength(EmailRule.maxLength, { message: EmailRule.maxLengthMessage }),
  Schema.isPattern(unicodePattern(EmailRule.pattern), { message: EmailRule.patternMessage })
).annotate({ identifier: "Email" })

/** A password presented at login: 1..256 characters (length rules for new passwords are stricter). */
export const LoginPassword = Schema.RedactedFromValue(lengthWithin(Lengths.loginPassword))

/** A new password: 8..256 characters (OWASP ASVS 2.1). */
export const NewPassword = Schema.RedactedFromValue(lengthWithin(Lengths.newPassword))

/** `POST /auth/login` body. */
export class LoginRequest extends Schema.Class<LoginRequest>("LoginRequest")({
  email: Email,
  password: LoginPassword
}) {}

/** `POST /auth/login` answer: a short-lived EdDSA idToken and an opaque refresh token. */
export class LoginResponse extends Schema.Class<LoginResponse>("LoginResponse")({
  idToken: Schema.String,
  refreshToken: Schema.String
}) {}

/** `POST /auth/login/refresh` body. */
export class RefreshRequest extends Schema.Class<RefreshRequest>("RefreshRequest")({
  refreshToken: Schema.RedactedFromValue(lengthWithin(Lengths.refreshToken))
}) {}

/** `POST /auth/login/refresh` answer: a new idToken only, as documented. */
export class RefreshResponse extends Schema.Class<RefreshResponse>("RefreshResponse")({
  idToken: Schema.String
}) {}
