/**
 * The request body policy of every route: bodies over 64 KiB are refused with 413 before they are
 * read, non-JSON bodies with 415, malformed or too deeply nested JSON with a 400 that says why.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"

/** The largest request body the server reads. */
export const MAX_BODY_BYTES = 64 * 1024

const tooLarge = () =>
  HttpServerResponse.unsafeJson(
    { _tag: "PayloadTooLarge", message: `Request body exceeds ${MAX_BODY_BYTES} bytes` },
    { status: 413, headers: { connection: "close" } }
  )

/** The deepest JSON nesting a request may have (every payload of the contract is 1 or 2 deep). */
export const MAX_JSON_DEPTH = 32

/** Nesting depth of a parsed JSON value, without recursion (deep values must not overflow the stack). */
const nestingDepth = (value: unknown): number => {
  let deepest = 0
  const stack: Array<readonly [unknown, number]> = [[value, 0]]
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!
    if (typeof current !== "object" || current === null) continue
    if (depth + 1 > deepest) deepest = depth + 1
    if (deepest > MAX_JSON_DEPTH) return deepest
    for (const child of Object.values(current)) stack.push([child, depth + 1])
  }
  return deepest
}

/** 415: the API speaks JSON only. */
const unsupportedMediaType = (contentType: string) =>
  HttpServerResponse.unsafeJson(
    { _tag: "UnsupportedMediaType", message: `Request bodies must be application/json, not ${contentType}` },
    { status: 415 }
  )

/** 400 naming why the body is unreadable. */
const unreadableBody = (message: string) =>
  HttpServerResponse.unsafeJson({ _tag: "HttpApiDecodeError", issues: [], message }, { status: 400 })

/**
 * Reads a JSON body once, within the size limit, so that an oversize body is a 413 and malformed
 * JSON a 400 that says so (the platform would answer an empty 400). The text is cached by the
 * request, so the handler's own read does not touch the socket again.
 */
const checkJsonBody = (request: HttpServerRequest.HttpServerRequest) =>
  Effect.matchEffect(request.text, {
    onFailure: (error) =>
      Effect.succeed(
        error.cause instanceof Error && error.cause.message === "maxBytes exceeded"
          ? tooLarge()
          : unreadableBody("Request body could not be read")
      ),
    onSuccess: (text) =>
      text === ""
        ? Effect.succeed(undefined)
        // Parsed through the request, which the fast transport remembers for the handler's own read.
        : Effect.match(request.json, {
          onFailure: (error) =>
            unreadableBody(
              `Request body is not valid JSON: ${error.cause instanceof Error ? error.cause.message : "unparseable"}`
            ),
          onSuccess: (value) =>
            nestingDepth(value) > MAX_JSON_DEPTH
              ? unreadableBody(`Request body nests deeper than ${MAX_JSON_DEPTH} levels`)
              : undefined
        })
  })

/** Refuses oversize bodies with 413 (declared ones before reading), non-JSON bodies with 415, malformed or too deep JSON with a clear 400. */
export const limitBody = <E, R>(app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>) =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    const declared = Number(request.headers["content-length"] ?? "0")
    if (declared > MAX_BODY_BYTES) return Effect.succeed(tooLarge())
    const contentType = request.headers["content-type"]
    const mayHaveBody = request.method !== "GET" && request.method !== "HEAD"
    // Only JSON is read: the platform would parse forms and multipart too (and die on bad multipart).
    if (mayHaveBody && contentType !== undefined && !/^application\/json\s*(;|$)/i.test(contentType.trim())) {
      return Effect.succeed(unsupportedMediaType(contentType.slice(0, 100)))
    }
    const handled = mayHaveBody
      ? Effect.flatMap(checkJsonBody(request), (refusal) => (refusal === undefined ? app : Effect.succeed(refusal)))
      : app
    return handled
  })

/**
 * The platform's body reader capped at `MAX_BODY_BYTES` for every request of a served app: provided
 * once to the serving layer (the request fibers start with it) rather than per request.
 */
export const layerMaxBodySize = Layer.succeed(
  HttpIncomingMessage.MaxBodySize,
  Option.some(FileSystem.Size(MAX_BODY_BYTES))
)
