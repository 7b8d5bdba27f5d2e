/**
 * Hostile HTTP requests for every endpoint of `RampartApi`, generated with FastCheck: bodies derived
 * from the endpoint's payload Schema and then corrupted (wrong types, ~60 kB strings, unicode, NUL,
 * missing fields, arrays / numbers / null instead of objects, extra fields, truncated or non-UTF-8
 * JSON, duplicate keys, other content types), bad `x-otp` headers, bad bearer tokens and bad query
 * parameters. `classify` tells a hostile request (one the contract must refuse) from a legitimate
 * one (which may change state, so the barrage leaves it out) by decoding it the way the server's
 * platform does, with the endpoint's own schemas.
 */
import { HttpApi, type HttpApiEndpoint } from "@effect/platform"
import { Arbitrary, Either, FastCheck as fc, Option, Schema } from "effect"
import { RampartApi } from "../../src/Api/RampartApi.js"
import { SmsMethodFields } from "../../src/Domain/Phone.js"

/** One endpoint of the contract and the schemas its requests are decoded with. */
export interface EndpointInfo {
  /** `"POST /auth/login"`. */
  readonly key: string
  readonly method: string
  readonly path: string
  readonly payload: Option.Option<Schema.Schema.Any>
  readonly headers: Option.Option<Schema.Schema.Any>
  readonly urlParams: Option.Option<Schema.Schema.Any>
  readonly auth: "user" | "partner" | "none"
}

/** Every endpoint of `RampartApi`, from the contract itself. */
export const contractEndpoints = (): ReadonlyArray<EndpointInfo> => {
  const endpoints: Array<EndpointInfo> = []
  HttpApi.reflect(RampartApi, {
    onGroup() {},
    onEndpoint({ endpoint, middleware }) {
      const keys = [...middleware].map((tag) => tag.key)
      const e = endpoint as unknown as HttpApiEndpoint.HttpApiEndpoint.AnyWithProps
      endpoints.push({
        key: `${e.method} ${e.path}`,
        method: e.method,
        path: e.path,
        payload: e.payloadSchema as Option.Option<Schema.Schema.Any>,
        headers: e.headersSchema as Option.Option<Schema.Schema.Any>,
        urlParams: e.urlParamsSchema as Option.Option<Schema.Schema.Any>,
        auth: keys.includes("Rampart/UserAuthentication")
          ? "user"
          : keys.includes("Rampart/PartnerAuthentication")
          ? "partner"
          : "none"
      })
    }
  })
  return endpoints
}

/** One request as sent on the wire. */
export interface WireRequest {
  readonly method: string
  /** Path with its query string. */
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body?: string | Uint8Array | undefined
  /** What was done to it, for failure messages. */
  readonly label: string
}

/** Values the tests know: a valid idToken and a valid partner access token (never sent as such). */
export interface Credentials {
  readonly idToken: string
  readonly accessToken: string
}

/**
 * `hostile`: the contract refuses it (and must not change state); `legit`: it decodes (it may act);
 * `inert`: the endpoint takes no input at all; `tooLoose`: it decodes only because the payload schema
 * takes non-objects for an object (a known contract bug, tested on its own).
 */
export type Verdict = "hostile" | "legit" | "inert" | "tooLoose"

const decodes = (schema: Schema.Schema.Any, value: unknown) =>
  Either.isRight(Schema.decodeUnknownEither(schema as Schema.Schema<unknown, unknown, never>)(value))

/** Header values as the server sees them (surrounding spaces and tabs dropped). */
const trimmed = (headers: Readonly<Record<string, string>>) =>
  Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v.replace(/^[ \t]+|[ \t]+$/g, "")]))

/** The query as the platform records it: one value a string, repeated values an array. */
const queryRecord = (url: string): Record<string, string | Array<string>> => {
  const search = new URL(url, "http://localhost").searchParams
  const record: Record<string, string | Array<string>> = {}
  for (const key of new Set(search.keys())) {
    const all = search.getAll(key)
    record[key] = all.length === 1 ? all[0]! : all
  }
  return record
}

/** Deeper than the server's JSON nesting limit (32)? */
const tooDeep = (value: unknown, depth = 1): boolean =>
  typeof value === "object" && value !== null && (depth > 32 || Object.values(value).some((v) => tooDeep(v, depth + 1)))

const isPlainObject = (value: unknown) => typeof value === "object" && value !== null && !Array.isArray(value)

/** How the server (its body limit, then `@effect/platform`'s HttpApi decoding) treats `request`. */
export const classify = (endpoint: EndpointInfo, request: WireRequest, credentials: Credentials): Verdict => {
  const headers = trimmed(request.headers)
  if (endpoint.auth === "partner") return "hostile" // the valid access token is never used here
  // The platform's bearer decoding takes whatever follows the first 7 characters.
  if (endpoint.auth === "user" && (headers["authorization"] ?? "").slice(7) !== credentials.idToken) return "hostile"
  let payload: unknown = undefined
  if (endpoint.method !== "GET") {
    const contentType = headers["content-type"]
    // The server reads JSON only: any other declared type is a 415 before anything is read.
    if (contentType !== undefined && !/^application\/json\s*(;|$)/i.test(contentType)) return "hostile"
    const text = request.body === undefined
      ? ""
      : typeof request.body === "string"
      ? request.body
      : Buffer.from(request.body).toString("utf8")
    if (text === "") payload = null
    else {
      try {
        payload = JSON.parse(text)
      } catch {
        return "hostile" // 400 before anything is read
      }
      if (tooDeep(payload)) return "hostile" // 400: nests deeper than the server accepts
    }
  }
  let loose = false
  if (Option.isSome(endpoint.payload)) {
    if (!decodes(endpoint.payload.value, payload)) return "hostile"
    if (payload !== null && !isPlainObject(payload)) loose = true
  }
  if (Option.isSome(endpoint.headers) && !decodes(endpoint.headers.value, headers)) return "hostile"
  if (Option.isSome(endpoint.urlParams) && !decodes(endpoint.urlParams.value, queryRecord(request.url))) {
    return "hostile"
  }
  if (loose) return "tooLoose"
  const takesInput = Option.isSome(endpoint.payload) || Option.isSome(endpoint.headers) ||
    Option.isSome(endpoint.urlParams)
  return takesInput || endpoint.auth !== "none" ? "legit" : "inert"
}

// ---------------------------------------------------------------------------------------------
// Building blocks

/** About 60 kB of text once JSON-encoded and UTF-8 encoded: under the 64 KiB body limit. */
const huge = {
  ascii: "A".repeat(60_000),
  digits: "1".repeat(60_000),
  accents: "é".repeat(29_000),
  emoji: "\u{1F600}".repeat(14_500)
}

/** Strings no field of the contract should take, or should take only after validation. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "",
    " ",
    "\u0000",
    "a\u0000b@example.com",
    "\u0000\u0000\u0000\u0000\u0000\u0000",
    huge.ascii,
    huge.digits,
    huge.accents,
    huge.emoji,
    "\u202Eevil@example.com",
    "a\u200B@example.com",
    "\uD800",
    "１２３４５６",
    "١٢٣٤٥٦",
    "' OR '1'='1",
    "'; DROP TABLE users; --",
    "__proto__",
    "${jndi:ldap://127.0.0.1/a}",
    "<script>alert(1)</script>",
    "../../../../etc/passwd",
    "%00",
    "\r\nx-injected: 1"
  ),
  fc.string({ maxLength: 40 }),
  fc.fullUnicodeString({ maxLength: 40 }),
  fc.string({ minLength: 257, maxLength: 600 })
)

/** Values of the wrong JSON type for any field. */
const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom([], {}, [null], { $ne: null }, { __proto__: { admin: true } }, [1, 2, 3], 2 ** 53, -1, 0),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 })
)

/** Deep but bounded nesting (deeper nesting is a known bug, tested on its own). */
const nested = fc.integer({ min: 2, max: 100 }).map((depth) =>
  JSON.parse("[".repeat(depth) + "]".repeat(depth)) as unknown
)

/** Extra fields to add to a body. */
const extraFields = fc.dictionary(
  fc.oneof(
    fc.constantFrom("__proto__", "constructor", "prototype", "_tag", "admin", "status"),
    fc.string({ maxLength: 10 })
  ),
  fc.jsonValue({ maxDepth: 2 }),
  { minKeys: 1, maxKeys: 4 }
)

/** A body: a JSON value to encode, or raw text / bytes, with the content type it is sent with. */
interface BodyPlan {
  readonly body: string | Uint8Array | undefined
  readonly contentType: string | undefined
  readonly label: string
}

const json = (value: unknown, label: string, contentType: string | undefined = "application/json"): BodyPlan => ({
  body: JSON.stringify(value),
  contentType,
  label
})

/** Corruptions of one encoded, valid payload object. */
const corruptObject = (base: Record<string, unknown>): fc.Arbitrary<BodyPlan> => {
  const keys = Object.keys(base)
  const key = keys.length > 0 ? fc.constantFrom(...keys) : fc.constant("field")
  const text = JSON.stringify(base)
  const fieldCorruptions: fc.Arbitrary<{ value: Record<string, unknown>; label: string }> = fc.oneof(
    fc.tuple(key, wrongValue).map(([k, v]) => ({ value: { ...base, [k]: v }, label: `${k} of a wrong type` })),
    fc.tuple(key, hostileString).map(([k, v]) => ({
      value: { ...base, [k]: v },
      label: `${k} = hostile string (${v.length} chars)`
    })),
    fc.tuple(key, nested).map(([k, v]) => ({ value: { ...base, [k]: v }, label: `${k} nested arrays` })),
    key.map((k) => {
      const { [k]: _dropped, ...rest } = base
      return { value: rest, label: `without ${k}` }
    })
  )
  return fc.oneof(
    { weight: 5, arbitrary: fieldCorruptions.map(({ label, value }) => json(value, label)) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fieldCorruptions, extraFields)
        .map(([{ label, value }, extra]) => json({ ...extra, ...value }, `${label} + extra fields`))
    },
    {
      weight: 2,
      arbitrary: fc
        .oneof(wrongValue, nested, hostileString, fc.constant([base]), fc.constant(JSON.stringify(base)))
        .map((value) => json(value, `whole body replaced by ${Array.isArray(value) ? "an array" : typeof value}`))
    },
    {
      weight: 2,
      arbitrary: fc.integer({ min: 1, max: Math.max(1, text.length - 1) }).map((cut) => ({
        body: text.slice(0, cut),
        contentType: "application/json",
        label: `JSON truncated at ${cut}`
      }))
    },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(
          `${text.slice(0, -1)},}`,
          `${text}}`,
          `{${text}`,
          text.replace(/"/g, "'"),
          text.replace(":", ":\u0000"),
          `\uFEFF${text}`,
          "{",
          "[",
          "undefined",
          "NaN",
          "{\"a\":1}{\"b\":2}",
          "\u0000",
          "    "
        )
        .map((body) => ({
          body,
          contentType: "application/json",
          label: `malformed JSON ${JSON.stringify(body.slice(0, 20))}`
        }))
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
        Buffer.from([0xc3, 0x28, 0xa0, 0xa1]),
        Buffer.from(`{"${keys[0] ?? "a"}":"\u00e9"}`, "latin1")
      ).map((bytes) => ({ body: new Uint8Array(bytes), contentType: "application/json", label: "invalid UTF-8 bytes" }))
    },
    {
      weight: 1,
      arbitrary: key.chain((k) =>
        wrongValue.map((v) => ({
          body: `${text.slice(0, -1)}${keys.length > 0 ? "," : ""}${JSON.stringify(k)}:${JSON.stringify(v)}}`,
          contentType: "application/json",
          label: `duplicate key ${k}, last one of a wrong type`
        }))
      )
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.constantFrom(
            "text/plain",
            "application/x-www-form-urlencoded",
            "application/octet-stream",
            "application/xml"
          ),
          fc.constantFrom("a=%ZZ&b", "hello", "<x/>", "%%%", `${keys[0] ?? "a"}=1&${keys[0] ?? "a"}=2`, "\u0000")
        )
        .map(([contentType, body]) => ({ body, contentType, label: `${contentType} body ${JSON.stringify(body)}` }))
    }
  )
}

/** A valid encoded payload of `schema` (or a known valid example where the schema's filters make generation hopeless). */
const validBase = (endpoint: EndpointInfo): fc.Arbitrary<Record<string, unknown>> => {
  if (endpoint.key === "POST /auth/otp/methods/sms") {
    // The request schema filters on the phone matching its country; its unfiltered fields give the shape.
    return fc.oneof(
      fc.constant({ phone: "612345678", country: "ES" }),
      Arbitrary.make(SmsMethodFields).map((v) => Schema.encodeSync(SmsMethodFields)(v) as Record<string, unknown>)
    )
  }
  if (Option.isNone(endpoint.payload)) return fc.constant({})
  const schema = endpoint.payload.value as Schema.Schema<unknown, unknown, never>
  return Arbitrary.make(schema)
    .map((v) => Schema.encodeSync(schema)(v))
    .map((encoded) => (isPlainObject(encoded) ? (encoded as Record<string, unknown>) : {}))
}

/** Bodies for an endpoint: corrupted payloads, or garbage where it takes no payload. */
const bodies = (endpoint: EndpointInfo): fc.Arbitrary<BodyPlan> => {
  if (endpoint.method === "GET") return fc.constant({ body: undefined, contentType: undefined, label: "no body" })
  const corrupted = validBase(endpoint).chain(corruptObject)
  const valid = validBase(endpoint).map((v) => json(v, "valid body"))
  return fc.oneof({ weight: 6, arbitrary: corrupted }, { weight: 2, arbitrary: valid }, {
    weight: 1,
    arbitrary: fc.constant({ body: undefined, contentType: undefined, label: "no body" })
  })
}

/** Values of `x-otp` that are not 6 ASCII digits (unicode sent as its UTF-8 bytes, as a client would). */
const badOtp: fc.Arbitrary<string | undefined> = fc.oneof(
  fc.constantFrom(
    undefined,
    "",
    "1234567",
    "12345",
    "12345a",
    "+12345",
    "-12345",
    "1e+05",
    "0x1234",
    "123 456",
    "123456, 123456",
    "000000000000000000000000000000",
    "12345\u00bd"
  ),
  fc.constantFrom("١٢٣٤٥٦", "１２３４５６", "۱۲۳۴۵۶", "12345６", "𝟏𝟐𝟑𝟒𝟓𝟔").map((s) =>
    Buffer.from(s, "utf8").toString("latin1")
  ),
  fc.stringMatching(/^[0-9]{7,12}$/),
  fc.string({ maxLength: 12 }).filter((s) => !/^[ \t]*[0-9]{6}[ \t]*$/.test(s) && /^[\x20-\x7e]*$/.test(s))
)

/** Authorization headers: the valid idToken most of the time (so bodies reach decoding), else broken ones. */
const authorization = (endpoint: EndpointInfo, credentials: Credentials): fc.Arbitrary<string | undefined> => {
  const [header, payload, signature] = credentials.idToken.split(".") as [string, string, string]
  const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url")
  const tampered = `${header}.${
    b64({ ...JSON.parse(Buffer.from(payload, "base64url").toString()), sub: "admin" })
  }.${signature}`
  const broken = fc.constantFrom(
    undefined,
    "",
    "Bearer",
    "Bearer ",
    `Bearer ${credentials.idToken}x`,
    `Bearer ${credentials.idToken.slice(0, -2)}`,
    `Bearer ${tampered}`,
    `Bearer ${b64({ alg: "none", typ: "JWT" })}.${payload}.`,
    `Bearer ${credentials.idToken} ${credentials.idToken}`,
    `Bearer ${credentials.accessToken}x`,
    `Bearer ${credentials.accessToken.slice(1)}`,
    `Bearer ${credentials.accessToken.toUpperCase()}`,
    "Basic YWRtaW46YWRtaW4=",
    `Bearer ${"A".repeat(8000)}`,
    `Bearer ${Buffer.from("токен", "utf8").toString("latin1")}`
  )
  if (endpoint.auth === "partner") {
    return fc.oneof(
      broken,
      fc.constant(`Bearer ${credentials.idToken}`),
      fc.base64String({ minLength: 44, maxLength: 44 }).map((s) => `Bearer ${s}`)
    )
  }
  if (endpoint.auth === "user") {
    return fc.oneof({ weight: 4, arbitrary: fc.constant(`Bearer ${credentials.idToken}`) }, {
      weight: 1,
      arbitrary: broken
    })
  }
  return fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: broken })
}

/** Query strings: for endpoints that read parameters, broken ones; elsewhere, noise. */
const queries = (endpoint: EndpointInfo): fc.Arbitrary<string> => {
  // Lone surrogates cannot be percent-encoded as UTF-8: send their UTF-16 units as raw %uXXXX-like junk.
  const enc = (value: string) => {
    try {
      return encodeURIComponent(value)
    } catch {
      return [...value].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0").slice(-2)}`).join("")
    }
  }
  const noise = fc.oneof(
    fc.constant(""),
    fc.constantFrom("?a=1", "?%00=%00", "?x=%E0%A4%A", "?__proto__[admin]=1", `?q=${"z".repeat(4000)}`, "?&&&==&"),
    fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), fc.string({ maxLength: 12 }), { maxKeys: 3 }).map((d) => {
      const pairs = Object.entries(d).map(([k, v]) => `${enc(k)}=${enc(v)}`)
      return pairs.length === 0 ? "" : `?${pairs.join("&")}`
    })
  )
  if (Option.isNone(endpoint.urlParams)) return noise
  const name = endpoint.path === "/auth/otp/code" ? "method" : endpoint.path === "/sandbox/events" ? "after" : "to"
  const badValue = fc.oneof(
    fc.constantFrom(
      "",
      "email",
      "Email",
      "EMAIL ",
      " EMAIL",
      "EMAIL\u0000",
      "PIGEON",
      "TOTP2",
      "0",
      "-1",
      "1.5",
      "1e400",
      "null",
      "[]",
      "x".repeat(300)
    ),
    hostileString.filter((s) => s.length < 3000),
    fc.string({ maxLength: 10 })
  )
  return fc.oneof(
    fc.constant(""),
    badValue.map((v) => `?${name}=${enc(v)}`),
    fc.constantFrom(
      `?${name}=EMAIL&${name}=SMS`,
      `?${name}=EMAIL&${name}=EMAIL`,
      `?${name}[]=EMAIL`,
      `?${name}=%E0%A4%A`,
      `?${name}=%`,
      `?${name.toUpperCase()}=EMAIL`,
      `?${name}`,
      `?${name}=${"y".repeat(255)}`
    ),
    fc.tuple(badValue, noise).map(([v, n]) => `?${name}=${enc(v)}${n.replace("?", "&")}`)
  )
}

/** Hostile requests for `endpoint` (legitimate and too-loose ones filtered out). */
export const hostileRequests = (endpoint: EndpointInfo, credentials: Credentials): fc.Arbitrary<WireRequest> =>
  fc
    .record({
      body: bodies(endpoint),
      auth: authorization(endpoint, credentials),
      otp: Option.isSome(endpoint.headers)
        ? fc.oneof({ weight: 3, arbitrary: badOtp }, { weight: 1, arbitrary: fc.stringMatching(/^[0-9]{6}$/) })
        : fc.option(badOtp, { nil: undefined }),
      query: queries(endpoint),
      userAgent: fc.option(fc.constantFrom("", "x".repeat(4000), Buffer.from("ユーザー", "utf8").toString("latin1")), {
        nil: undefined
      })
    })
    .map(({ auth, body, otp, query, userAgent }): WireRequest => {
      const headers: Record<string, string> = {}
      if (auth !== undefined) headers["authorization"] = auth
      if (otp !== undefined) headers["x-otp"] = otp
      if (body.contentType !== undefined) headers["content-type"] = body.contentType
      if (userAgent !== undefined) headers["user-agent"] = userAgent
      return {
        method: endpoint.method,
        url: endpoint.path + query,
        headers,
        body: body.body,
        label: [
          body.label,
          auth === undefined
            ? "no authorization"
            : auth === `Bearer ${credentials.idToken}`
            ? "valid idToken"
            : `authorization ${JSON.stringify(auth.slice(0, 24))}`,
          otp === undefined ? "" : `x-otp ${JSON.stringify(otp.slice(0, 16))}`,
          query === "" ? "" : `query ${JSON.stringify(query.slice(0, 40))}`
        ]
          .filter((s) => s !== "")
          .join("; ")
      }
    })
    .filter((request) => {
      const verdict = classify(endpoint, request, credentials)
      return verdict === "hostile" || verdict === "inert"
    })

/** Sends a wire request; the status and the raw text of the answer. */
export const send = async (base: string, request: WireRequest) => {
  const response = await fetch(base + request.url, {
    method: request.method,
    headers: request.headers,
    ...(request.body !== undefined
      ? { body: typeof request.body === "string" ? request.body : Buffer.from(request.body) }
      : {})
  })
  return { status: response.status, text: await response.text() }
}
