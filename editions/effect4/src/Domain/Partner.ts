/**
 * The KriptoAPI partner login: client credentials plus a Google-Authenticator TOTP
 * `security_code`, answered by an opaque access token. JSON names are snake_case as documented.
 */
import { ClientIdRule, ExpiresInRule, Lengths } from "#shared/WireRules.js"
import * as Schema from "effect/Schema"
import { Email, LoginPassword } from "./Credentials.js"
import { OtpCode } from "./Otp.js"
import { lengthWithin } from "./Requests.js"

export { MAX_EXPIRES_IN } from "#shared/WireRules.js"

/** A partner's numeric `client_id`. */
export const ClientId = Schema.Int.check(
  Schema.isBetween({ minimum: 1, maximum: ClientIdRule.max }, { message: ClientIdRule.message })
).annotate({ identifier: "ClientId" })

/** Session lifetime in seconds: an integer 1..3600. */
export const ExpiresIn = Schema.Int.check(
  Schema.isBetween({ minimum: ExpiresInRule.min, maximum: ExpiresInRule.max }, { message: ExpiresInRule.message })
).annotate({ identifier: "ExpiresIn" })

/** `POST /api/v1/partners/auth/login` body. */
export class PartnerLoginRequest extends Schema.Class<PartnerLoginRequest>("PartnerLoginRequest")({
  email: Email,
  password: LoginPassword,
  client_id: ClientId,
  client_secret: Schema.RedactedFromValue(lengthWithin(Lengths.clientSecret)),
  security_code: OtpCode,
  expires_in: Schema.optionalKey(ExpiresIn)
}) {}

/** `POST /api/v1/partners/auth/login` answer. */
export class PartnerLoginResponse extends Schema.Class<PartnerLoginResponse>("PartnerLoginResponse")({
  access_token: Schema.String,
  expires_in: ExpiresIn
}) {}
