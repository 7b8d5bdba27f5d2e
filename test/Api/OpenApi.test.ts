import { OpenApi } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import { RampartApi } from "../../src/Api/RampartApi.js"
import { criptanSeed, kriptoSeed, readSeed, seedEndpoints } from "../fixtures/Seeds.js"

type Paths = Record<string, Record<string, { responses: Record<string, unknown>; security?: unknown }>>

const spec = OpenApi.fromApi(RampartApi) as unknown as { paths: Paths; components: { securitySchemes: object } }

/** The endpoints the KriptoAPI page names only in its navigation (Logout), taken from SPEC. */
const specOnly = [{ method: "POST", path: "/api/v1/partners/auth/logout", statuses: [204, 403] }]

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
    for (const [path, method] of [
      ["/sandbox/users", "post"],
      ["/sandbox/partners", "post"],
      ["/sandbox/outbox", "get"],
      ["/health", "get"],
      ["/.well-known/jwks.json", "get"]
    ] as const) {
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
})
