/**
 * The KriptoAPI partner login: client credentials plus a Google-Authenticator TOTP
 * `security_code`, answered by an opaque access token. JSON names are snake_case as documented.
 */
import { Schema } from "effect"
import { Email, LoginPassword } from "./Credentials.js"
import { OtpCode } from "./Otp.js"

/** A partner's numeric `client_id`. */
export const ClientId = Schema.Int.pipe(Schema.positive(), Schema.lessThanOrEqualTo(2_147_483_647)).annotations({
  identifier: "ClientId"
})

/** Session lifetime in seconds: an integer 1..3600. */
export const ExpiresIn = Schema.Int.pipe(Schema.between(1, 3600)).annotations({ identifier: "ExpiresIn" })

/** The default and maximum partner session lifetime (60 minutes). */
export const MAX_EXPIRES_IN = 3600

/** `POST /api/v1/partners/auth/login` body. */
export class PartnerLoginRequest extends Schema.Class<PartnerLoginRequest>("PartnerLoginRequest")({
  email: Email,
  password: LoginPassword,
  client_id: ClientId,
  client_secret: Schema.Redacted(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(512))),
  security_code: OtpCode,
  expires_in: Schema.optional(ExpiresIn)
}) {}

/** `POST /api/v1/partners/auth/login` answer. */
export class PartnerLoginResponse extends Schema.Class<PartnerLoginResponse>("PartnerLoginResponse")({
  access_token: Schema.String,
  expires_in: ExpiresIn
}) {}
