/**
 * The one contract: every endpoint of Rampart. The typed client, the reference server and the
 * OpenAPI document all derive from it.
 */
import * as HttpApi from "@effect/platform/HttpApi"
import * as OpenApi from "@effect/platform/OpenApi"
import { InternalError, ServiceUnavailable } from "../Domain/Errors.js"
import { AuthApi } from "./AuthApi.js"
import { OperationsApi } from "./OperationsApi.js"
import { OtpApi } from "./OtpApi.js"
import { PartnersApi } from "./PartnersApi.js"
import { SandboxApi } from "./SandboxApi.js"

/** Where `npm start` listens by default (`RAMPART_HOST`, `RAMPART_PORT`). */
const defaultServer = { url: "http://127.0.0.1:8080", description: "The reference server started by npm start (local)" }

/** The Rampart HttpApi: Criptan-compatible, Kripto-compatible, sandbox and operational groups. */
export class RampartApi extends HttpApi.make("rampart")
  .add(AuthApi)
  .add(OtpApi)
  .add(PartnersApi)
  .add(SandboxApi)
  .add(OperationsApi)
  .addError(InternalError)
  .addError(ServiceUnavailable)
  .annotate(OpenApi.Title, "Rampart")
  .annotate(OpenApi.Version, "0.1.0")
  .annotate(
    OpenApi.Description,
    "Authentication and multi-factor API compatible with the Criptan and KriptoAPI auth flows"
  )
  .annotate(OpenApi.License, { name: "MIT", url: "https://opensource.org/licenses/MIT" })
  .annotate(OpenApi.Servers, [defaultServer])
{}
