/**
 * The worst hostile requests we know for every endpoint of `RampartApi`: ~60 kB values in each
 * body field (strings, arrays, objects with thousands of keys, a 60 kB key), bodies that are not
 * objects, long query parameters and headers, an unknown long path and wrong methods. Used by the
 * `error-amplification` benchmark and by test/Security/BoundedErrors.test.ts, which assert that no
 * answer grows with its request.
 */
import { HttpApi } from "@effect/platform"
import type { SchemaAST } from "effect"
import { Option } from "effect"
import { RampartApi } from "../../src/Api/RampartApi.js"
import { bodyShapeOf } from "../../src/Server/Http/DecodeErrors.js"

/** One request as sent: `url` is the path with its query. */
export interface WorstRequest {
  readonly label: string
  readonly method: string
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body?: string
}

/** Plausible valid values of the contract's body fields, so that the hostile field is the one checked. */
const validValues: Record<string, unknown> = {
  email: "someone@example.com",
  password: "a password 1",
  refreshToken: "dG9rZW4",
  phone: "612345678",
  country: "ES",
  channel: "EMAIL",
  client_id: 1,
  client_secret: "client secret",
  security_code: "123456",
  expires_in: 60
}

const BIG = 60_000

/** ~60 kB values of every JSON shape, as JSON text. */
const hugeValues: ReadonlyArray<readonly [string, string]> = [
  ["string", JSON.stringify("A".repeat(BIG))],
  ["unicode", JSON.stringify("é".repeat(BIG / 2))],
  ["array", JSON.stringify(Array.from({ length: BIG / 10 }, () => "AAAAAAA"))],
  ["object", JSON.stringify(Object.fromEntries(Array.from({ length: BIG / 16 }, (_, i) => [`key${i}`, i])))],
  ["number", "9".repeat(BIG)]
]

/** A JSON object's text with `field` set to the JSON text `value`. */
const withField = (valid: Record<string, unknown>, field: string, value: string): string => {
  const rest = JSON.stringify(Object.fromEntries(Object.entries(valid).filter(([name]) => name !== field)))
  return `{${JSON.stringify(field)}:${value}${rest === "{}" ? "}" : `,${rest.slice(1)}`}`
}

/** The fields of an endpoint's payload or query (the encoded side of its struct), as the server reads them. */
const fieldsOf = (schema: { readonly ast: SchemaAST.AST }): ReadonlyArray<string> => {
  const shape = bodyShapeOf(schema)
  return shape === undefined ? [] : [...shape.required, ...shape.optional]
}

/** The worst requests for one endpoint, with `bearer` (a valid idToken or access token) where it needs one. */
const forEndpoint = (
  method: string,
  path: string,
  fields: ReadonlyArray<string> | undefined,
  query: ReadonlyArray<string>,
  takesOtp: boolean,
  bearer: string | undefined
) => {
  const requests: Array<WorstRequest> = []
  const auth: Record<string, string> = bearer === undefined ? {} : { authorization: `Bearer ${bearer}` }
  const json = { ...auth, "content-type": "application/json", "x-otp": "123456" }
  if (fields !== undefined) {
    const valid = Object.fromEntries(fields.map((field) => [field, validValues[field] ?? "value"]))
    for (const field of fields) {
      for (const [kind, value] of hugeValues) {
        requests.push({
          label: `${method} ${path} ${field}=${kind}`,
          method,
          url: path,
          headers: json,
          body: withField(valid, field, value)
        })
      }
    }
    requests.push({
      label: `${method} ${path} 60 kB key`,
      method,
      url: path,
      headers: json,
      body: JSON.stringify({ ...valid, ["k".repeat(BIG)]: 1 })
    })
    for (const [kind, value] of hugeValues) {
      requests.push({ label: `${method} ${path} body=${kind}`, method, url: path, headers: json, body: value })
    }
  }
  for (const name of query) {
    requests.push({
      label: `${method} ${path} ?${name}=12 kB`,
      method,
      url: `${path}?${name}=${"A".repeat(12_000)}`,
      headers: auth
    })
  }
  if (takesOtp) {
    const body = fields === undefined ? {} : { body: JSON.stringify({ channel: "TOTP" }) }
    requests.push({
      label: `${method} ${path} x-otp=12 kB`,
      method,
      url: path,
      headers: { ...json, "x-otp": "9".repeat(12_000) },
      ...body
    })
  }
  if (bearer !== undefined) {
    requests.push({
      label: `${method} ${path} bearer=12 kB`,
      method,
      url: path,
      headers: { authorization: `Bearer ${"A".repeat(12_000)}` }
    })
  }
  return requests
}

/** The worst requests for every endpoint of the contract, plus unknown paths and wrong methods. */
export const worstRequests = (
  tokens: { readonly idToken: string; readonly accessToken: string }
): ReadonlyArray<WorstRequest> => {
  const requests: Array<WorstRequest> = []
  // The methods each path is routed for, so a "wrong method" is one the path really refuses.
  const routed = new Map<string, Set<string>>()
  HttpApi.reflect(RampartApi, {
    onGroup: () => undefined,
    onEndpoint: ({ endpoint }) =>
      void routed.set(endpoint.path, (routed.get(endpoint.path) ?? new Set()).add(endpoint.method))
  })
  HttpApi.reflect(RampartApi, {
    onGroup: () => undefined,
    onEndpoint: ({ endpoint, middleware }) => {
      const keys = [...middleware].map((tag) => tag.key)
      const bearer = keys.includes("Rampart/UserAuthentication")
        ? tokens.idToken
        : keys.includes("Rampart/PartnerAuthentication")
        ? tokens.accessToken
        : undefined
      const fields = Option.getOrUndefined(Option.map(endpoint.payloadSchema, (schema) => fieldsOf(schema)))
      const query = Option.getOrElse(Option.map(endpoint.urlParamsSchema, (schema) => fieldsOf(schema)), () => [])
      const takesOtp = Option.isSome(endpoint.headersSchema)
      const forThis = forEndpoint(
        endpoint.method,
        endpoint.path,
        endpoint.method === "GET" ? undefined : fields,
        query,
        takesOtp,
        bearer
      )
      for (const request of forThis) requests.push(request)
      const wrong = ["DELETE", "GET", "PATCH", "PUT"].find((method) => !routed.get(endpoint.path)!.has(method))!
      requests.push({
        label: `${wrong} ${endpoint.path} (wrong method)`,
        method: wrong,
        url: `${endpoint.path}?${"q".repeat(8000)}`,
        headers: {}
      })
    }
  })
  requests.push({ label: "GET 12 kB unknown path", method: "GET", url: `/${"x".repeat(12_000)}`, headers: {} })
  return requests
}

/** Bytes of what a request carries that its answer could echo: the URL, the header values and the body. */
export const requestBytes = (request: WorstRequest): number =>
  Buffer.byteLength(request.url) +
  Object.entries(request.headers).reduce(
    (sum, [name, value]) => sum + Buffer.byteLength(name) + Buffer.byteLength(value),
    0
  ) +
  (request.body === undefined ? 0 : Buffer.byteLength(request.body))

/** Sends one request; the status and the byte length of the answer's body. */
export const sendWorst = async (
  base: string,
  request: WorstRequest
): Promise<{ status: number; bytes: number; text: string }> => {
  const response = await fetch(base + request.url, {
    method: request.method,
    headers: request.headers,
    ...(request.body === undefined ? {} : { body: request.body })
  })
  const body = new Uint8Array(await response.arrayBuffer())
  return { status: response.status, bytes: body.length, text: new TextDecoder().decode(body.subarray(0, 4096)) }
}
