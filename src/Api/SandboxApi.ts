/**
 * Sandbox-only endpoints: create users and partners, read delivered codes. 404 in production.
 */
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as OpenApi from "@effect/platform/OpenApi"
import * as Schema from "effect/Schema"
import { AlreadyConfigured, NotFound } from "../Domain/Errors.js"
import { SecurityProfile } from "../Domain/Profile.js"
import { CreateAccountRequest, OutboxMessage, OutboxQuery, PartnerCredentials } from "../Domain/Sandbox.js"

/** `/sandbox/users`, `/sandbox/partners`, `/sandbox/outbox`. */
export class SandboxApi extends HttpApiGroup.make("sandbox")
  .add(
    HttpApiEndpoint.post("createUser", "/sandbox/users")
      .setPayload(CreateAccountRequest)
      .addSuccess(SecurityProfile, { status: 201 })
      .addError(AlreadyConfigured)
      .annotate(OpenApi.Summary, "Create a user (sandbox only)")
  )
  .add(
    HttpApiEndpoint.post("createPartner", "/sandbox/partners")
      .setPayload(CreateAccountRequest)
      .addSuccess(PartnerCredentials, { status: 201 })
      .addError(AlreadyConfigured)
      .annotate(OpenApi.Summary, "Create a partner with client credentials and a TOTP secret (sandbox only)")
  )
  .add(
    HttpApiEndpoint.get("outbox", "/sandbox/outbox")
      .setUrlParams(OutboxQuery)
      .addSuccess(Schema.Array(OutboxMessage))
      .annotate(OpenApi.Summary, "Codes delivered to an email or phone, newest first (sandbox only)")
  )
  .addError(NotFound)
  .annotate(OpenApi.Title, "Sandbox")
  .annotate(
    OpenApi.Description,
    "Sandbox only: create users and partners, read the codes the sandbox delivered; 404 in production"
  ) {}
