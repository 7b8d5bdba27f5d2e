/**
 * The refusals the server's transport answers before a request reaches its endpoint, documented on
 * each operation: 413 and 415 on every operation that takes a body, 405 (with its `Allow` header)
 * on every operation, and the `Retry-After` header of a 503. They are not endpoint errors: the typed client sends JSON within the limit
 * with the right method, so they stay out of its error channels and appear in the document only.
 * An endpoint-level OpenAPI transform, with the body schemas inline, so the answers stay documented
 * when Rampart's groups are part of another `HttpApi` (`.add(AuthApi)`, `.addHttpApi(RampartApi)`).
 */
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as JSONSchema from "effect/JSONSchema"
import * as Option from "effect/Option"
import type * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"
import { HttpMethodNotAllowed, PayloadTooLarge, UnsupportedMediaType } from "../Domain/TransportErrors.js"

/** A transport refusal's response: status and description from the schema's annotations, its JSON body inline. */
const refusal = (
  schema: typeof PayloadTooLarge | typeof UnsupportedMediaType | typeof HttpMethodNotAllowed,
  headers?: Record<string, unknown>
) => {
  const { $defs } = JSONSchema.make(schema as Schema.Schema.AnyNoContext) as { readonly $defs: Record<string, object> }
  return {
    [HttpApiSchema.getStatusError(schema)]: {
      description: Option.getOrElse(AST.getDescriptionAnnotation(AST.typeAST(schema.ast)), () => schema.identifier),
      ...(headers === undefined ? {} : { headers }),
      content: { "application/json": { schema: $defs[schema.identifier] } }
    }
  }
}

const bodyRefusals = { ...refusal(PayloadTooLarge), ...refusal(UnsupportedMediaType) }
const methodRefusal = refusal(HttpMethodNotAllowed, {
  Allow: { description: "The methods the path accepts, e.g. `GET, HEAD`", schema: { type: "string" } }
})

/** The header every 503 carries. */
const retryAfter = {
  "Retry-After": { description: "Seconds to wait before retrying", schema: { type: "integer", minimum: 0 } }
}

/** The generated 503 (the contract's `ServiceUnavailable`) with its `Retry-After` header. */
const withRetryAfter = (responses: Record<string, any>): Record<string, any> =>
  responses["503"] === undefined ? {} : { "503": { ...responses["503"], headers: retryAfter } }

/** Adds the transport's refusals (and the 503's `Retry-After`) to one generated operation (an `OpenApi.Transform` of every Rampart endpoint). */
export const documentTransportRefusals = (operation: Record<string, any>): Record<string, any> => ({
  ...operation,
  responses: {
    ...operation["responses"],
    ...withRetryAfter(operation["responses"] ?? {}),
    ...(operation["requestBody"] === undefined ? {} : bodyRefusals),
    ...methodRefusal
  }
})
