/**
 * Sandbox-only endpoints: create users and partners, read delivered codes, move the clock, reset,
 * inject faults, read the security events, and the sandbox page. 404 in production.
 */
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
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
import { RampartApiErrors } from "./Security.js"
import { documentTransportRefusals } from "./TransportRefusals.js"

/** The sandbox page: HTML. */
const SandboxPage = Schema.String.pipe(HttpApiSchema.asText({ contentType: "text/html" }))

/** `/sandbox/*`. */
export class SandboxApi extends HttpApiGroup.make("sandbox")
  .add(
    HttpApiEndpoint.post("createUser", "/sandbox/users", {
      payload: CreateAccountRequest,
      success: SecurityProfile.pipe(HttpApiSchema.status(201)),
      error: [AlreadyConfigured, NotFound]
    }).annotate(OpenApi.Summary, "Create a user (sandbox only)"),
    HttpApiEndpoint.post("createPartner", "/sandbox/partners", {
      payload: CreatePartnerRequest,
      success: PartnerCredentials.pipe(HttpApiSchema.status(201)),
      error: [AlreadyConfigured, NotFound]
    }).annotate(
      OpenApi.Summary,
      "Create a partner with client credentials and a TOTP secret, generated or given (sandbox only)"
    ),
    HttpApiEndpoint.get("accounts", "/sandbox/accounts", { success: SandboxAccounts, error: NotFound }).annotate(
      OpenApi.Summary,
      "Every user and partner, with each TOTP secret's current code and QR code (sandbox only)"
    ),
    HttpApiEndpoint.get("outbox", "/sandbox/outbox", {
      query: OutboxQuery,
      success: Schema.Array(OutboxMessage),
      error: NotFound
    }).annotate(OpenApi.Summary, "Codes delivered to an email or phone (or to anyone), newest first (sandbox only)"),
    HttpApiEndpoint.get("clock", "/sandbox/clock", { success: SandboxTime, error: NotFound })
      .annotate(OpenApi.Summary, "Sandbox time and its offset from wall time (sandbox only)"),
    HttpApiEndpoint.post("advanceClock", "/sandbox/clock", {
      payload: AdvanceClockRequest,
      success: SandboxTime,
      error: NotFound
    }).annotate(OpenApi.Summary, "Move sandbox time forward; every rule reads it (sandbox only)"),
    HttpApiEndpoint.post("reset", "/sandbox/reset", {
      payload: NoInput,
      success: HttpApiSchema.NoContent,
      error: NotFound
    }).annotate(OpenApi.Summary, "Empty the store, re-apply the seed, clock offset 0, faults cleared (sandbox only)"),
    HttpApiEndpoint.post("rotateKeys", "/sandbox/keys/rotate", {
      payload: NoInput,
      success: RotatedSigningKeys,
      error: NotFound
    }).annotate(
      OpenApi.Summary,
      "Sign idTokens with a new key from now on; the previous keys stay in the JWKS and keep verifying (sandbox only)"
    ),
    HttpApiEndpoint.post("addFault", "/sandbox/faults", {
      payload: FaultRequest,
      success: FaultCreated.pipe(HttpApiSchema.status(201)),
      error: NotFound
    }).annotate(OpenApi.Summary, "Delay and/or fail the next requests to a method and path (sandbox only)"),
    HttpApiEndpoint.delete("clearFaults", "/sandbox/faults", { success: HttpApiSchema.NoContent, error: NotFound })
      .annotate(OpenApi.Summary, "Clear every fault (sandbox only)"),
    HttpApiEndpoint.get("events", "/sandbox/events", {
      query: EventsQuery,
      success: Schema.Array(SecurityEvent),
      error: NotFound
    }).annotate(OpenApi.Summary, "Security events after an id, oldest first, at most 500 (sandbox only)"),
    HttpApiEndpoint.get("page", "/sandbox", { success: SandboxPage, error: NotFound })
      .annotate(OpenApi.Summary, "The sandbox page: accounts, outbox, events, clock (sandbox only)")
  )
  .middleware(RampartApiErrors)
  .annotateMerge(OpenApi.annotations({
    title: "Sandbox",
    description:
      "Sandbox only: accounts, delivered codes, time travel, reset, signing-key rotation, faults, security events and the sandbox page; 404 in production"
  }))
  .annotateEndpoints(OpenApi.Transform, documentTransportRefusals)
{}
