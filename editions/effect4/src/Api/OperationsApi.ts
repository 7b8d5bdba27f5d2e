/**
 * Operational endpoints: health and the JWKS that verifies idTokens.
 */
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "effect/http-api"
import { Health, HealthUnavailable, Jwks } from "../Domain/Operations.js"
import { RampartApiErrors } from "./Security.js"
import { documentTransportRefusals } from "./TransportRefusals.js"

/** `/health` and `/.well-known/jwks.json`. */
export class OperationsApi extends HttpApiGroup.make("operations")
  .add(
    HttpApiEndpoint.get("health", "/health", { success: Health, error: HealthUnavailable }).annotate(
      OpenApi.Summary,
      "200 when the store can be read and written within 1 s; 503 otherwise or while shutting down"
    ),
    HttpApiEndpoint.get("jwks", "/.well-known/jwks.json", { success: Jwks })
      .annotate(OpenApi.Summary, "Public keys that verify idTokens")
  )
  .middleware(RampartApiErrors)
  .annotateMerge(OpenApi.annotations({
    title: "Operations",
    description: "Health check and the JWKS that verifies idTokens"
  }))
  .annotateEndpoints(OpenApi.Transform, documentTransportRefusals)
{}
