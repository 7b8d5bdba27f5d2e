/**
 * Payloads of the operational endpoints: health and the JSON Web Key Set.
 */
import { ErrorStatuses } from "#shared/WireRules.js"
import * as Schema from "effect/Schema"

/** `GET /health` answer. */
export class Health extends Schema.Class<Health>("Health")({
  status: Schema.Literal("ok"),
  store: Schema.Literals(["sqlite", "postgres"])
}) {}

/** `GET /health` answer 503: the store cannot be read and written within 1 s, or the server is shutting down. */
export class HealthUnavailable extends Schema.TaggedError<HealthUnavailable>()(
  "HealthUnavailable",
  {
    status: Schema.Literal("unavailable"),
    store: Schema.Literals(["sqlite", "postgres"]),
    reason: Schema.String
  },
  { httpApiStatus: ErrorStatuses.HealthUnavailable.status, description: ErrorStatuses.HealthUnavailable.description }
) {}

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
