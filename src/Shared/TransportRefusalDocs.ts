/**
 * How the transport's refusals are documented on each generated OpenAPI operation, with no Effect,
 * for both editions' contracts (`src/Shared/`): 413 and 415 on every operation that takes a body,
 * 405 (with its `Allow` header) on every operation, and the `Retry-After` header of the contract's
 * 503 (`ServiceUnavailable`). Each edition supplies the JSON Schema of the three error bodies, made
 * by its own Schema module.
 */
import { ErrorStatuses } from "./WireRules.js"

/** The transport's refusals, by tag. */
export type TransportRefusalTag = "PayloadTooLarge" | "UnsupportedMediaType" | "HttpMethodNotAllowed"

/** The `Allow` header of a 405. */
const allowHeader = {
  Allow: { description: "The methods the path accepts, e.g. `GET, HEAD`", schema: { type: "string" } }
}

/** The header every 503 carries. */
const retryAfterHeader = {
  "Retry-After": { description: "Seconds to wait before retrying", schema: { type: "integer", minimum: 0 } }
}

/** The generated 503 (the contract's `ServiceUnavailable`) with its `Retry-After` header; nothing when there is none. */
const withRetryAfter = (responses: Record<string, any>): Record<string, any> =>
  responses["503"] === undefined ? {} : { "503": { ...responses["503"], headers: retryAfterHeader } }

/**
 * An OpenAPI transform adding the transport's refusals to one operation, given the JSON Schema of
 * each refusal's body (`bodySchema(tag)`).
 */
export const transportRefusalsTransform = (
  bodySchema: (tag: TransportRefusalTag) => unknown
): (operation: Record<string, any>) => Record<string, any> => {
  const refusal = (tag: TransportRefusalTag, headers?: Record<string, unknown>) => ({
    [ErrorStatuses[tag].status]: {
      description: ErrorStatuses[tag].description,
      ...(headers === undefined ? {} : { headers }),
      content: { "application/json": { schema: bodySchema(tag) } }
    }
  })
  const bodyRefusals = { ...refusal("PayloadTooLarge"), ...refusal("UnsupportedMediaType") }
  const methodRefusal = refusal("HttpMethodNotAllowed", allowHeader)
  return (operation) => ({
    ...operation,
    responses: {
      ...operation["responses"],
      ...withRetryAfter(operation["responses"] ?? {}),
      ...(operation["requestBody"] === undefined ? {} : bodyRefusals),
      ...methodRefusal
    }
  })
}
