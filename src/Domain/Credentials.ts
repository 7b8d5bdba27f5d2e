/**
 * Credentials and tokens of the Criptan password login: request and response payloads.
 * Passwords are decoded straight into `Redacted` so they never print.
 */
import * as Schema from "effect/Schema"
import { EmailRule, Lengths } from "../Shared/WireRules.js"
import { lengthWithin, strictFields } from "./Requests.js"

/** An email address: one `@`, no spaces, a dot in the domain, at most 254 characters. */
export const Email = Schema.String.pipe(
  Schema.maxLength(EmailRule.maxLength, { message: () => EmailRule.maxLengthMessage }),
  Schema.pattern(EmailRule.pattern, { message: () => EmailRule.patternMessage })
).annotations({ identifier: "Email" })

/** A password presented at login: 1..256 characters (length rules for new passwords are stricter). */
export const LoginPassword = Schema.Redacted(lengthWithin(Lengths.loginPassword))

/** A new password: 8..256 characters (OWASP ASVS 2.1). */
export const NewPassword = Schema.Redacted(lengthWithin(Lengths.newPassword))

/** `POST /auth/login` body. */
export class LoginRequest extends Schema.Class<LoginRequest>("LoginRequest")(
  Schema.Struct({ email: Email, password: LoginPassword }).annotations(strictFields)
) {}

/** `POST /auth/login` answer: a short-lived EdDSA idToken and an opaque refresh token. */
export class LoginResponse extends Schema.Class<LoginResponse>("LoginResponse")({
  idToken: Schema.String,
  refreshToken: Schema.String
}) {}

/** `POST /auth/login/refresh` body. */
export class RefreshRequest extends Schema.Class<RefreshRequest>("RefreshRequest")(
  Schema.Struct({
    refreshToken: Schema.Redacted(lengthWithin(Lengths.refreshToken))
  }).annotations(strictFields)
) {}

/** `POST /auth/login/refresh` answer: a new idToken only, as documented. */
export class RefreshResponse extends Schema.Class<RefreshResponse>("RefreshResponse")({
  idToken: Schema.String
}) {}
