/**
 * The refusals the server's transport answers before a request reaches its endpoint, documented on
 * each operation (413 and 415 where there is a body, 405 everywhere) by the shared transform
 * (`src/Shared/TransportRefusalDocs.ts`), with the bodies' JSON Schema made by Effect 4's Schema.
 * They are not endpoint errors: the typed client never provokes them.
 */
import { transportRefusalsTransform, type TransportRefusalTag } from "#shared/TransportRefusalDocs.js"
import * as Schema from "effect/Schema"
import { HttpMethodNotAllowed, PayloadTooLarge, UnsupportedMediaType } from "../Domain/Errors.js"

/** The JSON Schema of a transport refusal's body, inline. */
const bodySchema = (tag: TransportRefusalTag) => {
  const document = Schema.toJsonSchemaDocument({ PayloadTooLarge, UnsupportedMediaType, HttpMethodNotAllowed }[tag])
  const ref = (document.schema as { readonly $ref?: string }).$ref
  return ref === undefined ? document.schema : document.definitions[ref.split("/").pop()!]
}

/** Adds the transport's refusals to one generated operation (an `OpenApi.Transform` of every Rampart endpoint). */
export const documentTransportRefusals: (operation: Record<string, any>) => Record<string, any> =
  transportRefusalsTransform(bodySchema)
