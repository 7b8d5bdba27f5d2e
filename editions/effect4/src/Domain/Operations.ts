/**
 * Payloads of the operational endpoints: health and the JSON Web Key Set.
 */
import * as Schema from "effect/Schema"

/** `GET /health` answer. */
export class Health extends Schema.Class<Health>("Health")({
  status: Schema.Literal("ok"),
  store: Schema.Literals(["sqlite", "postgres"])
}) {}

/** One public key of the JWKS (Ed25519, OKP). */
export const Jwk = Schema.Struct({
  kty: Schema.String,
  crv: Schema.optionalKey(Schema.String),
  x: Schema.optionalKey(Schema.String),
  kid: Schema.optionalKey(Schema.String),
  alg: Schema.optionalKey(Schema.String),
  use: Schema.optionalKey(Schema.String)
}).annotate({ identifier: "Jwk" })

/** `GET /.well-known/jwks.json` answer. */
export class Jwks extends Schema.Class<Jwks>("Jwks")({
  keys: Schema.Array(Jwk)
}) {}
