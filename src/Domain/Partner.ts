/**
 * The KriptoAPI partner login: client credentials plus a Google-Authenticator TOTP
 * `security_code`, answered by an opaque access token. JSON names are snake_case as documented.
 */
import * as Schema from "effect/Schema"
import { ClientIdRule, ExpiresInRule, Lengths, MAX_EXPIRES_IN as SharedMaxExpiresIn } from "../Shared/WireRules.js"
import { Email, LoginPassword } from "./Credentials.js"
import { OtpCode } from "./Otp.js"
import { lengthWithin, strictFields } from "./Requests.js"

/** A partner's numeric `client_id`. */
export const ClientId = Schema.Int.pipe(Schema.positive(), Schema.lessThanOrEqualTo(ClientIdRule.max)).annotations({
  identifier: "ClientId",
  message: () => ClientIdRule.message
})

/** Session lifetime in seconds: an integer 1..3600. */
export const ExpiresIn = Schema.Int.pipe(Schema.between(ExpiresInRule.min, ExpiresInRule.max)).annotations({
  identifier: "ExpiresIn",
  message: () => ExpiresInRule.message
})

/** The default and maximum partner session lifetime (60 minutes). */
export const MAX_EXPIRES_IN = SharedMaxExpiresIn

/** `POST /api/v1/partners/auth/login` body. */
export class PartnerLoginRequest extends Schema.Class<PartnerLoginRequest>("PartnerLoginRequest")(
  Schema.Struct({
    email: Email,
    password: LoginPassword,
    client_id: ClientId,
    client_secret: Schema.Redacted(lengthWithin(Lengths.clientSecret)),
    security_code: OtpCode,
    expires_in: Schema.optional(ExpiresIn)
  }).annotations(strictFields)
) {}

/** `POST /api/v1/partners/auth/login` answer. */
export class PartnerLoginResponse extends Schema.Class<PartnerLoginResponse>("PartnerLoginResponse")({
  access_token: Schema.String,
  expires_in: ExpiresIn
}) {}
