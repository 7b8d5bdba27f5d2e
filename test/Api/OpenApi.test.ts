import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Option, Schema, SchemaAST as AST } from "effect"
import { execFileSync } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { AuthApi } from "../../src/Api/AuthApi.js"
import { OtpApi } from "../../src/Api/OtpApi.js"
import { RampartApi } from "../../src/Api/RampartApi.js"
import { UserAuthentication } from "../../src/Api/Security.js"
import { DEFAULT_BASE_URL } from "../../src/Client/AuthClient.js"
import { criptanSeed, kriptoSeed, readSeed, seedEndpoints } from "../fixtures/Seeds.js"
import { runProcess } from "../support/Cli.js"

type Paths = Record<string, Record<string, { responses: Record<string, unknown>; security?: unknown }>>

const spec = OpenApi.fromApi(RampartApi) as unknown as { paths: Paths; components: { securitySchemes: object } }

/** A JSON Schema object of the document, read loosely. */
type Json = { readonly [key: string]: any }

/** The parts of the document the lint and wire-format checks read. */
const document = spec as unknown as {
  readonly info: { readonly license?: Json }
  readonly servers?: ReadonlyArray<{ readonly url: string; readonly description?: string }>
  readonly paths: Record<
    string,
    Record<string, { readonly responses: Record<string, Json>; readonly requestBody?: Json }>
  >
  readonly components: { readonly schemas: Record<string, Json> }
}

/** Whether a schema is, or admits (`NullOr`), a `Date`: a transformation to `DateFromSelf`. */
const isDate = (ast: AST.AST): boolean =>
  AST.isDeclaration(ast)
    ? Option.getOrUndefined(AST.getIdentifierAnnotation(ast)) === "DateFromSelf"
    : AST.isTransformation(ast)
    ? isDate(ast.to)
    : AST.isUnion(ast)
    ? ast.types.some(isDate)
    : AST.isRefinement(ast) && isDate(ast.from)

/** The names of the struct fields holding a `Date`, anywhere in the request and response bodies of the contract. */
const dateFieldNames = (): Set<string> => {
  const names = new Set<string>()
  const seen = new Set<AST.AST>()
  const walk = (ast: AST.AST): void => {
    if (seen.has(ast)) return
    seen.add(ast)
    if (AST.isTypeLiteral(ast)) {
      for (const field of ast.propertySignatures) {
        if (isDate(field.type)) names.add(String(field.name))
        walk(field.type)
      }
      ast.indexSignatures.forEach((index) => walk(index.type))
    } else if (AST.isTransformation(ast)) {
      walk(ast.from)
      walk(ast.to)
    } else if (AST.isDeclaration(ast)) ast.typeParameters.forEach(walk)
    else if (AST.isUnion(ast)) ast.types.forEach(walk)
    else if (AST.isRefinement(ast)) walk(ast.from)
    else if (AST.isSuspend(ast)) walk(ast.f())
    else if (AST.isTupleType(ast)) [...ast.elements, ...ast.rest].forEach((element) => walk(element.type))
  }
  HttpApi.reflect(RampartApi, {
    onGroup: () => undefined,
    onEndpoint: ({ errors, payloads, successes }) => {
      payloads.forEach(({ ast }) => walk(ast))
      for (const { ast } of [...successes.values(), ...errors.values()]) Option.map(ast, walk)
    }
  })
  return names
}

/** Whether a property schema is a `date-time` string (or a union with one, `NullOr`). */
const isDateTime = (schema: Json): boolean =>
  (schema["type"] === "string" && schema["format"] === "date-time") ||
  (Array.isArray(schema["anyOf"]) && schema["anyOf"].some(isDateTime))

/** Every `properties` entry of the component schemas, as `Component.property` and its schema. */
const componentProperties = (): Array<readonly [component: string, property: string, schema: Json]> => {
  const found: Array<readonly [string, string, Json]> = []
  const walk = (component: string, schema: unknown): void => {
    if (typeof schema !== "object" || schema === null) return
    const properties = (schema as Json)["properties"]
    if (typeof properties === "object" && properties !== null) {
      for (const [name, property] of Object.entries(properties as Record<string, Json>)) {
        found.push([component, name, property])
      }
    }
    Object.values(schema).forEach((child) => walk(component, child))
  }
  Object.entries(document.components.schemas).forEach(([name, schema]) => walk(name, schema))
  return found
}

const redocly = fileURLToPath(new URL("../../node_modules/.bin/redocly", import.meta.url))

/** One problem of a `redocly lint --format=json` report. */
interface LintProblem {
  readonly ruleId: string
  readonly severity: string
  readonly message: string
  readonly location: ReadonlyArray<{ readonly pointer?: string }>
}

/** The endpoints the KriptoAPI page names only in its navigation (Logout), taken from SPEC. */
const specOnly = [{ method: "POST", path: "/api/v1/partners/auth/logout", statuses: [204, 403] }]

/** The problems `redocly lint` (recommended rules, offline) reports on `doc`, one line each; none when clean. */
const lintProblems = async (doc: unknown): Promise<ReadonlyArray<string>> => {
  const dir = mkdtempSync(join(tmpdir(), "rampart-openapi-lint-"))
  try {
    const file = join(dir, "openapi.json")
    const config = join(dir, "redocly.yaml")
    writeFileSync(file, JSON.stringify(doc, null, 2))
    writeFileSync(config, "extends:\n  - recommended\n")
    const run = await runProcess(redocly, ["lint", "--format=json", `--config=${config}`, file], {
      cwd: dir,
      env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true", NO_COLOR: "1" },
      timeoutMs: 45_000
    })
    expect(run.stdout.trimStart().startsWith("{"), `redocly printed no JSON report:\n${run.stderr}`).toBe(true)
    const report = JSON.parse(run.stdout) as {
      readonly totals: { readonly errors: number; readonly warnings: number }
      readonly problems: ReadonlyArray<LintProblem>
    }
    const problems = report.problems.map((problem) =>
      `${problem.severity} ${problem.ruleId} at ${problem.location[0]?.pointer ?? "?"}: ${problem.message}`
    )
    expect(report.totals.errors + report.totals.warnings).toBe(problems.length)
    return problems
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** A response's JSON body schema, inline or by reference into `doc`'s components. */
const bodySchema = (
  doc: { readonly components: { readonly schemas: Record<string, Json> } },
  response: Json | undefined
): Json | undefined => {
  const schema: Json | undefined = response?.["content"]?.["application/json"]?.["schema"]
  const ref: unknown = schema?.["$ref"]
  return typeof ref === "string" ? doc.components.schemas[ref.replace("#/components/schemas/", "")] : schema
}

describe("OpenAPI document", () => {
  const documented = [...seedEndpoints(readSeed(criptanSeed)), ...seedEndpoints(readSeed(kriptoSeed)), ...specOnly]

  it("the seeds document the expected endpoints", () => {
    expect(documented.map((e) => `${e.method} ${e.path}`).sort()).toEqual([
      "DELETE /auth/otp/methods/totp",
      "GET /auth/otp/code",
      "POST /api/v1/partners/auth/login",
      "POST /api/v1/partners/auth/logout",
      "POST /auth/login",
      "POST /auth/login/refresh",
      "POST /auth/otp/code",
      "POST /auth/otp/methods/sms",
      "POST /auth/otp/methods/totp"
    ])
  })

  it.each(documented.map((e) => [`${e.method} ${e.path}`, e] as const))(
    "lists %s with every documented status",
    (_, endpoint) => {
      const operation = spec.paths[endpoint.path]?.[endpoint.method.toLowerCase()]
      expect(operation, `${endpoint.method} ${endpoint.path}`).toBeDefined()
      for (const status of endpoint.statuses) {
        expect(Object.keys(operation!.responses)).toContain(String(status))
      }
    }
  )

  it("lists the sandbox and operational endpoints, with bearer security where SPEC puts it", () => {
    for (
      const [path, method] of [
        ["/sandbox/users", "post"],
        ["/sandbox/partners", "post"],
        ["/sandbox/outbox", "get"],
        ["/health", "get"],
        ["/.well-known/jwks.json", "get"]
      ] as const
    ) {
      expect(spec.paths[path]?.[method], `${method} ${path}`).toBeDefined()
    }
    expect(spec.paths["/auth/otp/code"]?.["post"]?.security).toEqual([{ idToken: [] }])
    expect(spec.paths["/api/v1/partners/auth/logout"]?.["post"]?.security).toEqual([{ partnerToken: [] }])
    expect(spec.paths["/auth/login"]?.["post"]?.security).toEqual([])
    expect(Object.keys(spec.components.securitySchemes).sort()).toEqual(["idToken", "partnerToken"])
  })

  it("npm run openapi prints the same document", () => {
    const printed = execFileSync("npm", ["run", "--silent", "openapi"], { encoding: "utf8" })
    expect(JSON.parse(printed)).toEqual(JSON.parse(JSON.stringify(spec)))
  })

  it("is lint clean: redocly lint with the recommended rules reports no error and no warning (offline)", async () => {
    expect(await lintProblems(spec)).toEqual([])
  })

  it("names the server npm start listens on (the client's default base URL), and the license", () => {
    expect(document.servers?.[0]?.url).toBe("http://127.0.0.1:8080")
    expect(document.servers?.[0]?.url).toBe(DEFAULT_BASE_URL)
    expect(document.servers?.[0]?.description).toBeTruthy()
    expect(document.info.license).toEqual({ name: "MIT", url: "https://opensource.org/licenses/MIT" })
  })

  it("documents every Date of the wire format as a date-time string", () => {
    const dateFields = dateFieldNames()
    // The walk finds the known ones, so an empty result cannot pass for "nothing to check".
    for (const name of ["emailVerificationDate", "lastPasswordChangeDate", "validUntil", "sentAt"]) {
      expect(dateFields).toContain(name)
    }
    const dates = componentProperties().filter(([, property]) => dateFields.has(property))
    expect(dates.length).toBeGreaterThanOrEqual(dateFields.size)
    expect(dates.filter(([, , schema]) => !isDateTime(schema)).map(([c, p]) => `${c}.${p}`)).toEqual([])
    expect(new Set(dates.map(([, property]) => property))).toEqual(dateFields)
    // The platform's undocumented `Date` component (a bare string) is gone.
    expect(document.components.schemas["Date"]).toBeUndefined()
  })

  it("documents 413 and 415 on every operation that takes a body, 405 on every operation", () => {
    const operations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => [`${method.toUpperCase()} ${path}`, operation] as const)
    )
    const withBody = operations.filter(([, operation]) => operation.requestBody !== undefined)
    expect(withBody.length).toBeGreaterThanOrEqual(8)
    const bodyOf = (response: Json | undefined): Json | undefined => bodySchema(document, response)
    const tagged = (tag: string) =>
      expect.objectContaining({
        required: expect.arrayContaining(["_tag", "message"]),
        properties: expect.objectContaining({ _tag: { type: "string", enum: [tag] }, message: { type: "string" } })
      })
    for (const [name, operation] of withBody) {
      expect(bodyOf(operation.responses["413"]), `${name} 413`).toEqual(tagged("PayloadTooLarge"))
      expect(bodyOf(operation.responses["415"]), `${name} 415`).toEqual(tagged("UnsupportedMediaType"))
    }
    for (const [name, operation] of operations) {
      expect(bodyOf(operation.responses["405"]), `${name} 405`).toEqual(tagged("HttpMethodNotAllowed"))
      expect(operation.responses["405"]?.["headers"]?.["Allow"], `${name} 405 Allow`).toBeDefined()
    }
  })
})

describe("OpenAPI document: ServiceUnavailable", () => {
  it("documents 503 ServiceUnavailable with Retry-After on every operation", () => {
    const operations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => [`${method.toUpperCase()} ${path}`, operation] as const)
    )
    expect(operations.length).toBeGreaterThanOrEqual(20)
    for (const [name, operation] of operations) {
      const unavailable = operation.responses["503"]
      expect(unavailable, `${name} 503`).toBeDefined()
      expect(JSON.stringify(unavailable), `${name} 503 body`).toContain("ServiceUnavailable")
      expect(unavailable?.["headers"]?.["Retry-After"], `${name} 503 Retry-After`).toBeDefined()
    }
  })
})

describe("OpenAPI document of a host's HttpApi that folds Rampart in", () => {
  class Balance extends Schema.Class<Balance>("Balance")({ amount: Schema.Number }) {}
  class WalletFrozen extends Schema.TaggedError<WalletFrozen>()("WalletFrozen", { message: Schema.String }, {
    [HttpApiSchema.AnnotationStatus]: 409
  }) {}
  const Wallet = HttpApiGroup.make("wallet")
    .add(
      HttpApiEndpoint.get("balance", "/wallet/balance").addSuccess(Balance).addError(WalletFrozen).annotate(
        OpenApi.Summary,
        "The caller's balance"
      )
    )
    .middleware(UserAuthentication)
    .annotate(OpenApi.Title, "Wallet")
    .annotate(OpenApi.Description, "The host's own endpoints")
  const combined = (api: HttpApi.HttpApi.Any) =>
    OpenApi.fromApi(
      (api as typeof RampartApi)
        .annotate(OpenApi.Title, "Wallet service")
        .annotate(OpenApi.Version, "1.0.0")
        .annotate(OpenApi.License, { name: "MIT", url: "https://opensource.org/licenses/MIT" })
        .annotate(OpenApi.Servers, [{ url: "http://127.0.0.1:9000", description: "local" }])
    ) as unknown as {
      readonly paths: Record<
        string,
        Record<string, { readonly responses: Record<string, Json>; readonly requestBody?: unknown }>
      >
      readonly components: { readonly schemas: Record<string, Json> }
    }

  it.each(
    [
      ["addHttpApi(RampartApi)", () => HttpApi.make("svc").add(Wallet).addHttpApi(RampartApi)],
      ["add(AuthApi).add(OtpApi)", () => HttpApi.make("svc").add(Wallet).add(AuthApi).add(OtpApi)]
    ] as const
  )("%s: builds, keeps the host's operations and errors and Rampart's 400/405/413/415, lints clean", async (_, api) => {
    const doc = combined(api() as HttpApi.HttpApi.Any)
    const balance = doc.paths["/wallet/balance"]?.["get"]
    expect(Object.keys(balance?.responses ?? {})).toEqual(expect.arrayContaining(["200", "403", "409"]))
    const login = doc.paths["/auth/login"]?.["post"]
    expect(Object.keys(login?.responses ?? {})).toEqual(
      expect.arrayContaining(["200", "400", "403", "405", "413", "415"])
    )
    expect(bodySchema(doc, login?.responses["413"])).toMatchObject({
      properties: { _tag: { enum: ["PayloadTooLarge"] } }
    })
    expect(await lintProblems(doc)).toEqual([])
  }, 60_000)
})
