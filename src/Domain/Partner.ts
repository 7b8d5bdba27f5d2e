/**
 * The KriptoAPI partner login: client credentials plus a Google-Authenticator TOTP
 * `security_code`, answered by an opaque access token. JSON names are snake_case as documented.
 */
import * as Schema from "effect/Schema"
import { Email, LoginPassword } from "./Credentials.js"
import { OtpCode } from "./Otp.js"
import { lengthBetween, strictFields } from "./Requests.js"

/** A partner's numeric `client_id`. */
export const ClientId = Schema.Int.pipe(Schema.positive(), Schema.lessThanOrEqualTo(2_147_483_647)).annotations({
  identifier: "ClientId",
  message: () => "must be a client id: a whole number from 1 to 2147483647"
})

/** Session lifetime in seconds: an integer 1..3600. */
export const ExpiresIn = Schema.Int.pipe(Schema.between(1, 3600)).annotations({
  identifier: "ExpiresIn",
  message: () => "must be a whole number of seconds from 1 to 3600"
})

/** The default and maximum partner session lifetime (60 minutes). */
export const MAX_EXPIRES_IN = 3600

/** `POST /api/v1/partners/auth/login` body. */
export class PartnerLoginRequest extends Schema.Class<PartnerLoginRequest>("PartnerLoginRequest")(
  Schema.Struct({
    email: Email,
    password: LoginPassword,
    client_id: ClientId,
    client_secret: Schema.Redacted(lengthBetween(1, 512, "must be a client secret of 1 to 512 characters")),
    security_code: OtpCode,
    expires_in: Schema.optional(ExpiresIn)
  }).annotations(strictFields)
) {}

/** `POST /api/v1/partners/auth/login` answer. */
export class PartnerLoginResponse extends Schema.Class<PartnerLoginResponse>("PartnerLoginResponse")({
  access_token: Schema.String,
  expires_in: ExpiresIn
}) {}
