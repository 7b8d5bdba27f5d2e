/**
 * Payloads of the operational endpoints: health and the JSON Web Key Set.
 */
import * as Schema from "effect/Schema"

/** `GET /health` answer. */
export class Health extends Schema.Class<Health>("Health")({
  status: Schema.Literal("ok"),
  store: Schema.Literal("sqlite", "postgres")
}) {}

/** One public key of the JWKS (Ed25519, OKP). */
export const Jwk = Schema.Struct({
  kty: Schema.String,
  crv: Schema.optional(Schema.String),
  x: Schema.optional(Schema.String),
  kid: Schema.optional(Schema.String),
  alg: Schema.optional(Schema.String),
  use: Schema.optional(Schema.String)
}).annotations({ identifier: "Jwk" })

/** `GET /.well-known/jwks.json` answer. */
export class Jwks extends Schema.Class<Jwks>("Jwks")({
  keys: Schema.Array(Jwk)
}) {}
