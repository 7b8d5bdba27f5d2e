/**
 * Sandbox-only endpoints: create users and partners, read delivered codes, move the clock, reset,
 * inject faults, read the security events, and the sandbox page. 404 in production.
 */
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as OpenApi from "@effect/platform/OpenApi"
import * as Schema from "effect/Schema"
import { AlreadyConfigured, NotFound } from "../Domain/Errors.js"
import { SecurityProfile } from "../Domain/Profile.js"
import { NoInput } from "../Domain/Requests.js"
import {
  AdvanceClockRequest,
  CreateAccountRequest,
  CreatePartnerRequest,
  FaultCreated,
  FaultRequest,
  OutboxMessage,
  OutboxQuery,
  PartnerCredentials,
  RotatedSigningKeys,
  SandboxAccounts,
  SandboxTime
} from "../Domain/Sandbox.js"
import { EventsQuery, SecurityEvent } from "../Domain/SecurityEvent.js"
import { documentTransportRefusals } from "./TransportRefusals.js"

/** The sandbox page: HTML. */
const SandboxPage = Schema.String.pipe(HttpApiSchema.withEncoding({ kind: "Text", contentType: "text/html" }))

/** `/sandbox/*`. */
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
      .setPayload(CreatePartnerRequest)
      .addSuccess(PartnerCredentials, { status: 201 })
      .addError(AlreadyConfigured)
      .annotate(
        OpenApi.Summary,
        "Create a partner with client credentials and a TOTP secret, generated or given (sandbox only)"
      )
  )
  .add(
    HttpApiEndpoint.get("accounts", "/sandbox/accounts")
      .addSuccess(SandboxAccounts)
      .annotate(
        OpenApi.Summary,
        "Every user and partner, with each TOTP secret's current code and QR code (sandbox only)"
      )
  )
  .add(
    HttpApiEndpoint.get("outbox", "/sandbox/outbox")
      .setUrlParams(OutboxQuery)
      .addSuccess(Schema.Array(OutboxMessage))
      .annotate(OpenApi.Summary, "Codes delivered to an email or phone (or to anyone), newest first (sandbox only)")
  )
  .add(
    HttpApiEndpoint.get("clock", "/sandbox/clock")
      .addSuccess(SandboxTime)
      .annotate(OpenApi.Summary, "Sandbox time and its offset from wall time (sandbox only)")
  )
  .add(
    HttpApiEndpoint.post("advanceClock", "/sandbox/clock")
      .setPayload(AdvanceClockRequest)
      .addSuccess(SandboxTime)
      .annotate(OpenApi.Summary, "Move sandbox time forward; every rule reads it (sandbox only)")
  )
  .add(
    HttpApiEndpoint.post("reset", "/sandbox/reset")
      .setPayload(NoInput)
      .addSuccess(HttpApiSchema.NoContent)
      .annotate(OpenApi.Summary, "Empty the store, re-apply the seed, clock offset 0, faults cleared (sandbox only)")
  )
  .add(
    HttpApiEndpoint.post("rotateKeys", "/sandbox/keys/rotate")
      .setPayload(NoInput)
      .addSuccess(RotatedSigningKeys)
      .annotate(
        OpenApi.Summary,
        "Sign idTokens with a new key from now on; the previous keys stay in the JWKS and keep verifying (sandbox only)"
      )
  )
  .add(
    HttpApiEndpoint.post("addFault", "/sandbox/faults")
      .setPayload(FaultRequest)
      .addSuccess(FaultCreated, { status: 201 })
      .annotate(OpenApi.Summary, "Delay and/or fail the next requests to a method and path (sandbox only)")
  )
  .add(
    HttpApiEndpoint.del("clearFaults", "/sandbox/faults")
      .addSuccess(HttpApiSchema.NoContent)
      .annotate(OpenApi.Summary, "Clear every fault (sandbox only)")
  )
  .add(
    HttpApiEndpoint.get("events", "/sandbox/events")
      .setUrlParams(EventsQuery)
      .addSuccess(Schema.Array(SecurityEvent))
      .annotate(OpenApi.Summary, "Security events after an id, oldest first, at most 500 (sandbox only)")
  )
  .add(
    HttpApiEndpoint.get("page", "/sandbox")
      .addSuccess(SandboxPage)
      .annotate(OpenApi.Summary, "The sandbox page: accounts, outbox, events, clock (sandbox only)")
  )
  .addError(NotFound)
  .annotate(OpenApi.Title, "Sandbox")
  .annotate(
    OpenApi.Description,
    "Sandbox only: accounts, delivered codes, time travel, reset, signing-key rotation, faults, security events and the sandbox page; 404 in production"
  )
  .annotateEndpoints(OpenApi.Transform, documentTransportRefusals)
{}
