/**
 * The one contract: every endpoint of Rampart. The typed client, the reference server and the
 * OpenAPI document all derive from it.
 */
import * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as OpenApi from "@effect/platform/OpenApi"
import * as Option from "effect/Option"
import * as AST from "effect/SchemaAST"
import { InternalError } from "../Domain/Errors.js"
import { HttpMethodNotAllowed, PayloadTooLarge, UnsupportedMediaType } from "../Domain/TransportErrors.js"
import { AuthApi } from "./AuthApi.js"
import { OperationsApi } from "./OperationsApi.js"
import { OtpApi } from "./OtpApi.js"
import { PartnersApi } from "./PartnersApi.js"
import { SandboxApi } from "./SandboxApi.js"

/** Where `npm start` listens by default (`RAMPART_HOST`, `RAMPART_PORT`). */
const defaultServer = { url: "http://127.0.0.1:8080", description: "The reference server started by npm start (local)" }

/** An operation of the generated document, as the transform reads it. */
type Operation = { readonly responses: Record<string, unknown>; readonly requestBody?: unknown }

/** A transport refusal's response: status and description from the schema's annotations, its JSON body by reference. */
const refusal = (
  schema: typeof PayloadTooLarge | typeof UnsupportedMediaType | typeof HttpMethodNotAllowed,
  headers?: Record<string, unknown>
) => ({
  [HttpApiSchema.getStatusError(schema)]: {
    description: Option.getOrElse(AST.getDescriptionAnnotation(AST.typeAST(schema.ast)), () => schema.identifier),
    ...(headers === undefined ? {} : { headers }),
    content: { "application/json": { schema: { $ref: `#/components/schemas/${schema.identifier}` } } }
  }
})

/**
 * Documents the refusals the server's transport answers before a request reaches its endpoint: 413
 * and 415 on every operation that takes a body, 405 (with its `Allow` header) on every operation.
 * They are not endpoint errors: the typed client sends JSON within the limit with the right method,
 * so they stay out of its error channels and appear in the document only.
 */
const documentTransportRefusals = (spec: Record<string, any>): Record<string, any> => {
  const bodyRefusals = { ...refusal(PayloadTooLarge), ...refusal(UnsupportedMediaType) }
  const methodRefusal = refusal(HttpMethodNotAllowed, {
    Allow: { description: "The methods the path accepts, e.g. `GET, HEAD`", schema: { type: "string" } }
  })
  const paths = Object.entries(spec["paths"] as Record<string, Record<string, Operation>>).map(([path, item]) => [
    path,
    Object.fromEntries(
      Object.entries(item).map(([method, operation]) => [
        method,
        {
          ...operation,
          responses: {
            ...operation.responses,
            ...(operation.requestBody === undefined ? {} : bodyRefusals),
            ...methodRefusal
          }
        }
      ])
    )
  ])
  return { ...spec, paths: Object.fromEntries(paths) }
}

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
  )
  .annotate(OpenApi.License, { name: "MIT", url: "https://opensource.org/licenses/MIT" })
  .annotate(OpenApi.Servers, [defaultServer])
  .annotate(HttpApi.AdditionalSchemas, [PayloadTooLarge, UnsupportedMediaType, HttpMethodNotAllowed])
  .annotate(OpenApi.Transform, documentTransportRefusals)
{}
