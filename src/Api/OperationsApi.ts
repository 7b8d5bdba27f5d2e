/**
 * Operational endpoints: health and the JWKS that verifies idTokens.
 */
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as OpenApi from "@effect/platform/OpenApi"
import { Health, HealthUnavailable, Jwks } from "../Domain/Operations.js"
import { documentTransportRefusals } from "./TransportRefusals.js"

/** `/health` and `/.well-known/jwks.json`. */
export class OperationsApi extends HttpApiGroup.make("operations")
  .add(
    HttpApiEndpoint.get("health", "/health")
      .addSuccess(Health)
      .addError(HealthUnavailable)
      .annotate(
        OpenApi.Summary,
        "200 when the store can be read and written within 1 s; 503 otherwise or while shutting down"
      )
  )
  .add(
    HttpApiEndpoint.get("jwks", "/.well-known/jwks.json")
      .addSuccess(Jwks)
      .annotate(OpenApi.Summary, "Public keys that verify idTokens")
  )
  .annotate(OpenApi.Title, "Operations")
  .annotate(OpenApi.Description, "Health check and the JWKS that verifies idTokens")
  .annotateEndpoints(OpenApi.Transform, documentTransportRefusals)
{}
