/**
 * Refusals of the HTTP transport, answered before a request reaches its endpoint: a body over the
 * size limit (413), a body that is not JSON (415), a method the path does not accept (405). Tagged
 * classes with their statuses, so the contract documents them and the client decodes them.
 */
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as Schema from "effect/Schema"
import { ErrorStatuses } from "../Shared/WireRules.js"

/** 413: the request body exceeds 64 KiB; it is refused before it is read. */
export class PayloadTooLarge extends Schema.TaggedError<PayloadTooLarge>()(
  "PayloadTooLarge",
  { message: Schema.String },
  HttpApiSchema.annotations(ErrorStatuses.PayloadTooLarge)
) {}

/** 415: the request body is not `application/json`; the API speaks JSON only. */
export class UnsupportedMediaType extends Schema.TaggedError<UnsupportedMediaType>()(
  "UnsupportedMediaType",
  { message: Schema.String },
  HttpApiSchema.annotations(ErrorStatuses.UnsupportedMediaType)
) {}

/** 405: the path exists but not with this method; the `Allow` header lists the methods it accepts. */
export class HttpMethodNotAllowed extends Schema.TaggedError<HttpMethodNotAllowed>()(
  "HttpMethodNotAllowed",
  { message: Schema.String },
  HttpApiSchema.annotations(ErrorStatuses.HttpMethodNotAllowed)
) {}
