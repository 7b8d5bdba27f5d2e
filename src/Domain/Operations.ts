/**
 * Payloads of the operational endpoints: health and the JSON Web Key Set.
 */
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as Schema from "effect/Schema"
import { ErrorStatuses } from "../Shared/WireRules.js"

/** `GET /health` answer. */
export class Health extends Schema.Class<Health>("Health")({
  status: Schema.Literal("ok"),
  store: Schema.Literal("sqlite", "postgres")
}) {}

/** `GET /health` answer 503: the store cannot be read and written within 1 s, or the server is shutting down. */
export class HealthUnavailable extends Schema.TaggedError<HealthUnavailable>()(
  "HealthUnavailable",
  {
    status: Schema.Literal("unavailable"),
    store: Schema.Literal("sqlite", "postgres"),
    reason: Schema.String
  },
  HttpApiSchema.annotations(ErrorStatuses.HealthUnavailable)
) {}

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
