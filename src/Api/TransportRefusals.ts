/**
 * The refusals the server's transport answers before a request reaches its endpoint, documented on
 * each operation: 413 and 415 on every operation that takes a body, 405 (with its `Allow` header)
 * on every operation, and the `Retry-After` header of a 503. They are not endpoint errors: the typed client sends JSON within the limit
 * with the right method, so they stay out of its error channels and appear in the document only.
 * An endpoint-level OpenAPI transform, with the body schemas inline, so the answers stay documented
 * when Rampart's groups are part of another `HttpApi` (`.add(AuthApi)`, `.addHttpApi(RampartApi)`).
 */
import * as JSONSchema from "effect/JSONSchema"
import type * as Schema from "effect/Schema"
import { HttpMethodNotAllowed, PayloadTooLarge, UnsupportedMediaType } from "../Domain/TransportErrors.js"
import { transportRefusalsTransform, type TransportRefusalTag } from "../Shared/TransportRefusalDocs.js"

/** The JSON Schema of a transport refusal's body, inline. */
const bodySchema = (tag: TransportRefusalTag) => {
  const schema = { PayloadTooLarge, UnsupportedMediaType, HttpMethodNotAllowed }[tag]
  const { $defs } = JSONSchema.make(schema as Schema.Schema.AnyNoContext) as { readonly $defs: Record<string, object> }
  return $defs[schema.identifier]
}

/** Adds the transport's refusals (and the 503's `Retry-After`) to one generated operation (an `OpenApi.Transform` of every Rampart endpoint). */
export const documentTransportRefusals: (operation: Record<string, any>) => Record<string, any> =
  transportRefusalsTransform(bodySchema)
