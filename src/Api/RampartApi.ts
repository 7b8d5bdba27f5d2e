/**
 * The one contract: every endpoint of Rampart. The typed client, the reference server and the
 * OpenAPI document all derive from it.
 */
import { HttpApi, OpenApi } from "@effect/platform"
import { InternalError } from "../Domain/Errors.js"
import { AuthApi } from "./AuthApi.js"
import { OperationsApi } from "./OperationsApi.js"
import { OtpApi } from "./OtpApi.js"
import { PartnersApi } from "./PartnersApi.js"
import { SandboxApi } from "./SandboxApi.js"

/** The Rampart HttpApi: Criptan-compatible, Kripto-compatible, sandbox and operational groups. */
export class RampartApi extends HttpApi.make("rampart")
  .add(AuthApi)
  .add(OtpApi)
  .add(PartnersApi)
  .add(SandboxApi)
  .add(OperationsApi)
  .addError(InternalError)
  .annotate(OpenApi.Title, "Rampart")
  .annotate(OpenApi.Version, "0.1.0")
  .annotate(
    OpenApi.Description,
    "Authentication and multi-factor API compatible with the Criptan and KriptoAPI auth flows"
  ) {}
