/**
 * Who a request acts for: the user behind an idToken, or the partner behind an access token.
 */
import * as Schema from "effect/Schema"

/** A user's identifier (UUID). */
export const UserId = Schema.String.check(Schema.isUUID()).pipe(Schema.brand("UserId"))
/** A user's identifier (UUID). */
export type UserId = typeof UserId.Type

/** The claims of a verified Rampart idToken (times in seconds since the epoch). */
export const IdTokenClaims = Schema.Struct({
  /** The user's id. */
  sub: UserId,
  email: Schema.String,
  iss: Schema.String,
  aud: Schema.Union([Schema.String, Schema.Array(Schema.String)]),
  iat: Schema.Number,
  exp: Schema.Number,
  jti: Schema.String,
  /** When the password login that started this session (and its refresh chain) happened. */
  auth_time: Schema.Number,
  /** How the user authenticated (RFC 8176): `["pwd"]` for a password login. */
  amr: Schema.Array(Schema.String)
})
/** The claims of a verified Rampart idToken. */
export type IdTokenClaims = typeof IdTokenClaims.Type

/** The authenticated user of a Criptan-style request (from a verified idToken). */
export class AuthenticatedUser extends Schema.Class<AuthenticatedUser>("AuthenticatedUser")({
  userId: UserId,
  email: Schema.String,
  /** When the password login that started the session happened (`auth_time`). */
  authTime: Schema.Date,
  /** How the user authenticated (`amr`, RFC 8176). */
  amr: Schema.Array(Schema.String)
}) {}

/** The user a verified idToken names (its claims were checked already, so they are not validated again). */
export const authenticatedUserOf = (claims: IdTokenClaims): AuthenticatedUser =>
  new AuthenticatedUser(
    { userId: claims.sub, email: claims.email, authTime: new Date(claims.auth_time * 1000), amr: claims.amr },
    { disableChecks: true }
  )

/** The authenticated partner session of a Kripto-style request (from a live access token). */
export class AuthenticatedPartner extends Schema.Class<AuthenticatedPartner>("AuthenticatedPartner")({
  userId: UserId,
  clientId: Schema.Int,
  sessionId: Schema.String
}) {}
