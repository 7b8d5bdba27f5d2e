/**
 * Who a request acts for: the user behind an idToken, or the partner behind an access token.
 */
import * as Schema from "effect/Schema"

/** A user's identifier (UUID). */
export const UserId = Schema.UUID.pipe(Schema.brand("UserId"))
/** A user's identifier (UUID). */
export type UserId = typeof UserId.Type

/** The authenticated user of a Criptan-style request (from a verified idToken). */
export class AuthenticatedUser extends Schema.Class<AuthenticatedUser>("AuthenticatedUser")({
  userId: UserId,
  email: Schema.String
}) {}

/** The authenticated partner session of a Kripto-style request (from a live access token). */
export class AuthenticatedPartner extends Schema.Class<AuthenticatedPartner>("AuthenticatedPartner")({
  userId: UserId,
  clientId: Schema.Int,
  sessionId: Schema.String
}) {}
