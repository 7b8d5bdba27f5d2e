/**
 * The one contract, in its Effect 4 form: every endpoint of Rampart with the same paths, schemas,
 * errors and statuses as the Effect 3 edition's `RampartApi` (a test compares their OpenAPI
 * documents). Request bodies refuse fields they do not define (`PayloadParseOptions`).
 */
import { HttpApi, OpenApi } from "effect/http-api"
import { AuthApi } from "./AuthApi.js"
import { OperationsApi } from "./OperationsApi.js"
import { OtpApi } from "./OtpApi.js"
import { PartnersApi } from "./PartnersApi.js"
import { SandboxApi } from "./SandboxApi.js"

/** Where `npm start` listens by default (`RAMPART_HOST`, `RAMPART_PORT`). */
const defaultServer = { url: "http://127.0.0.1:8080", description: "The reference server started by npm start (local)" }

/** The Rampart HttpApi: Criptan-compatible, Kripto-compatible, sandbox and operational groups. */
export class RampartApi extends HttpApi.make("rampart")
  .add(AuthApi, OtpApi, PartnersApi, SandboxApi, OperationsApi)
  .annotate(HttpApi.PayloadParseOptions, { onExcessProperty: "error" })
  .annotateMerge(OpenApi.annotations({
    title: "Rampart",
    version: "0.1.0",
    description: "Authentication and multi-factor API compatible with the Criptan and KriptoAPI auth flows",
    license: { name: "MIT", url: "https://opensource.org/licenses/MIT" },
    servers: [defaultServer]
  }))
{}
