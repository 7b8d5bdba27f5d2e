/**
 * Request decoding failures as a user reads them: each issue names the field and the rule in plain
 * words, quotes a value at most ~64 characters, at most a handful of issues are listed, and the
 * whole answer stays under ~2 KiB whatever the input. The platform's `HttpApiDecodeError` carries
 * Schema's own texts (`(LoginRequest (Encoded side) <-> LoginRequest) └─ ...`, `Expected
 * undefined, actual 0`, every value quoted whole); `layerPlainDecodeErrors` replaces it, keeping
 * `_tag`, `issues` (`path`, `message`) and `message`.
 */
import * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApiError from "@effect/platform/HttpApiError"
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as SchemaAST from "effect/SchemaAST"
import { RampartApi } from "../../Api/RampartApi.js"

/** The longest value quoted in a message. */
const MAX_QUOTE = 64

/** The most issues listed. */
const MAX_ISSUES = 5

/** The longest message of one issue. */
const MAX_ISSUE_MESSAGE = 200

/** `text` cut to `max` characters, `…` marking the cut. */
export const truncate = (
  text: string,
  max: number = MAX_QUOTE
): string => (text.length <= max ? text : `${text.slice(0, max)}…`)

/** One issue as Schema's ArrayFormatter writes it. */
type Issue = typeof HttpApiError.Issue.Type

/** A path as the user wrote it: `country`, `items.0.name`; each key bounded. */
const pathText = (path: ReadonlyArray<PropertyKey>): string => path.map((key) => truncate(String(key), 40)).join(".")

/** Schema's "Expected X, actual Y", split; the `actual` part is quoted by Schema already. */
const EXPECTED = /^Expected ([\s\S]*?), actual ([\s\S]*)$/

/** Plain words for Schema's names of the types a field may have. */
const typeWords: Record<string, string> = {
  string: "a string",
  number: "a number",
  boolean: "true or false",
  object: "a JSON object",
  Int: "a whole number",
  "{ readonly [x: string]: unknown }": "a JSON object"
}

/** A literal Schema names in an "Expected" (`"EMAIL"`), unquoted; undefined for anything else. */
const literalOf = (expected: string): string | undefined => {
  const match = /^"([^"]*)"$/.exec(expected)
  return match === null ? undefined : match[1]
}

/** What the body of a request to an endpoint must hold, for the message of a body that is not an object. */
export interface BodyShape {
  readonly required: ReadonlyArray<string>
  readonly optional: ReadonlyArray<string>
}

/** "`a`, `b` and `c`". */
const fieldList = (names: ReadonlyArray<string>): string => {
  const quoted = names.map((name) => `\`${name}\``)
  return quoted.length <= 1 ? quoted.join("") : `${quoted.slice(0, -1).join(", ")} and ${quoted.at(-1)}`
}

/** The message for a body that is missing or not a JSON object. */
const bodyMessage = (shape: BodyShape | undefined): string => {
  if (shape === undefined || (shape.required.length === 0 && shape.optional.length === 0)) {
    return "the body must be a JSON object"
  }
  const required = shape.required.length > 0 ? ` with ${fieldList(shape.required)}` : ""
  const optional = shape.optional.length > 0
    ? `${required === "" ? " with" : ","} optionally ${fieldList(shape.optional)}`
    : ""
  return `the body must be a JSON object${required}${optional}`
}

/** Fields whose value is a secret: their rule is said, their value never quoted back. */
const SECRET_FIELDS: ReadonlySet<string> = new Set([
  "password",
  "refreshToken",
  "client_secret",
  "security_code",
  "x-otp",
  "authorization"
])

/** One issue in plain words, or undefined when it adds nothing (Schema's `Expected undefined` of an optional field). */
const plainMessage = (issue: Issue, shape: BodyShape | undefined): string | undefined => {
  if (issue._tag === "Missing") return "is required"
  if (issue._tag === "Unexpected") return "is not a field of this request"
  const expected = EXPECTED.exec(issue.message)
  if (expected === null) return truncate(issue.message, MAX_ISSUE_MESSAGE)
  const [, type, actual] = expected as unknown as [string, string, string]
  if (type === "undefined") return undefined
  if (issue.path.length === 0 && /\(Encoded side\)$|^\{/.test(type)) return bodyMessage(shape)
  const literal = literalOf(type)
  const words = literal !== undefined ? `"${literal}"` : typeWords[type] ?? truncate(type, MAX_QUOTE)
  const secret = issue.path.some((segment) => SECRET_FIELDS.has(String(segment)))
  return secret ? `must be ${words}` : `must be ${words}, not ${truncate(actual)}`
}

/** A path segment, bounded (a hostile body may use a 60 KB key). */
const boundedSegment = (
  segment: PropertyKey
): PropertyKey => (typeof segment === "string" ? truncate(segment, 40) : segment)

/**
 * Plain issues from Schema's, field by field: the issues of a field that each expect a literal
 * become one "must be one of A, B, C", the others are rewritten and de-duplicated; at most
 * `MAX_ISSUES` are kept (the last one saying how many were left out).
 */
export const plainIssues = (issues: ReadonlyArray<Issue>, shape?: BodyShape): ReadonlyArray<Issue> => {
  const byField = new Map<string, Array<Issue>>()
  for (const issue of issues) {
    const key = pathText(issue.path)
    const group = byField.get(key)
    if (group === undefined) byField.set(key, [issue])
    else group.push(issue)
  }
  const out: Array<Issue> = []
  for (const group of byField.values()) {
    const path = group[0]!.path.map(boundedSegment)
    const literals = group.flatMap((issue) => {
      const expected = EXPECTED.exec(issue.message)
      const literal = expected === null ? undefined : literalOf(expected[1]!)
      return literal === undefined ? [] : [{ literal, actual: expected![2]! }]
    })
    if (literals.length > 1) {
      const names = literals.slice(0, 8).map((l) => l.literal).join(", ") + (literals.length > 8 ? ", …" : "")
      const secret = path.some((segment) => SECRET_FIELDS.has(String(segment)))
      out.push({
        _tag: "Type",
        path,
        message: `must be one of ${names}${secret ? "" : `, not ${truncate(literals[0]!.actual)}`}`
      })
      continue
    }
    const seen = new Set<string>()
    // "Expected null" / "Expected undefined" beside another issue: the other alternative says more.
    const said = group.length > 1 ? group.filter((issue) => !/^Expected (null|undefined),/.test(issue.message)) : group
    for (const issue of said.length > 0 ? said : group) {
      const message = plainMessage(issue, shape)
      if (message === undefined || seen.has(message)) continue
      seen.add(message)
      out.push({ _tag: issue._tag, path, message })
    }
    // Only an `Expected undefined` was said about the field: keep a plain word rather than nothing.
    if (seen.size === 0) out.push({ _tag: "Type", path, message: "is not valid" })
  }
  if (out.length <= MAX_ISSUES) return out
  const kept = out.slice(0, MAX_ISSUES - 1)
  return [...kept, { _tag: "Type", path: [], message: `and ${out.length - kept.length} more problems` }]
}

/** The message of a refused request: each issue as "`field`: rule", joined. */
export const plainMessageOf = (issues: ReadonlyArray<Issue>): string =>
  issues
    .map((issue) => (issue.path.length === 0 ? issue.message : `\`${pathText(issue.path)}\`: ${issue.message}`))
    .join("; ")

/** The field names of a payload schema's encoded side (a struct, or a refined or class struct). */
export const bodyShapeOf = (schema: { readonly ast: SchemaAST.AST }): BodyShape | undefined => {
  let ast: SchemaAST.AST = SchemaAST.encodedAST(schema.ast)
  while (SchemaAST.isRefinement(ast)) ast = ast.from
  if (!SchemaAST.isTypeLiteral(ast) || ast.propertySignatures.length === 0) return undefined
  const names = (optional: boolean) =>
    ast.propertySignatures.filter((p) => p.isOptional === optional).map((p) => String(p.name))
  return { required: names(false), optional: names(true) }
}

/** `METHOD path` of every endpoint of `api` with a payload, and what its body must hold. */
const bodyShapesOf = (api: HttpApi.HttpApi.Any): ReadonlyMap<string, BodyShape> => {
  const shapes = new Map<string, BodyShape>()
  HttpApi.reflect(api as typeof RampartApi, {
    onGroup: () => undefined,
    onEndpoint: ({ endpoint }) => {
      const shape = Option.flatMapNullable(endpoint.payloadSchema, (schema) => bodyShapeOf(schema))
      if (Option.isSome(shape)) shapes.set(`${endpoint.method} ${endpoint.path}`, shape.value)
    }
  })
  return shapes
}

/** The plain, bounded form of a decoding failure of `request`, given the body shapes of its API. */
const plainDecodeErrorOf = (shapes: ReadonlyMap<string, BodyShape>) =>
(
  error: HttpApiError.HttpApiDecodeError,
  request: HttpServerRequest.HttpServerRequest
): HttpApiError.HttpApiDecodeError => {
  const shape = shapes.get(`${request.method} ${new URL(request.url, "http://x").pathname}`)
  const issues = plainIssues(error.issues, shape)
  return new HttpApiError.HttpApiDecodeError({ issues, message: plainMessageOf(issues) })
}

/** The plain, bounded form of a decoding failure of `request` to Rampart's API. */
export const plainDecodeError = plainDecodeErrorOf(bodyShapesOf(RampartApi))

const isDecodeError = (error: unknown): error is HttpApiError.HttpApiDecodeError =>
  error instanceof HttpApiError.HttpApiDecodeError

/**
 * The API middleware that answers every decoding failure of `api` in plain, bounded words. It wraps
 * the routes inside the API's error encoding, so the failure it sees is still the typed error (the
 * platform types that channel as `never`; the routes' decoding failures are really there).
 */
export const layerPlainDecodeErrorsFor = (api: HttpApi.HttpApi.Any) => {
  const plain = plainDecodeErrorOf(bodyShapesOf(api))
  return HttpApiBuilder.middleware(
    (app) =>
      Effect.catchIf(
        app as HttpApp.Default<unknown>,
        isDecodeError,
        (error) => Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => Effect.fail(plain(error, request)))
      ) as HttpApp.Default
  )
}

/** `layerPlainDecodeErrorsFor(RampartApi)`. */
export const layerPlainDecodeErrors = layerPlainDecodeErrorsFor(RampartApi)
