/**
 * One contract, two editions: the OpenAPI document of `rampart-effect4`'s `RampartApi` against the
 * Effect 3 edition's (printed by the repository's `rampart openapi`). Same operations (path, method,
 * id, summary, tags, parameters, request body, response statuses, security) and same schemas up to
 * the generators' formatting: component names (Effect 4 adds `Encoded`, numbers duplicates), the
 * `"Bearer"`/`"bearer"` scheme spelling, titles and descriptions that Effect 3 derives from checks,
 * and generator-only components (Effect 3's `Int`, `PropertyKey`; Effect 4's inline/outlined choices).
 */
import { OpenApi } from "effect/http-api"
import { describe, expect, it } from "vitest"
import { RampartApi } from "../src/index.js"
import { output } from "./support/Server.js"

type Json = Record<string, any>

/** A component's name without the generator's decorations. */
const canonical = (name: string) => name.replace(/Encoded$/, "").replace(/_\d+$/, "")

/** Follows `$ref`s and flattens `allOf`, so inline and outlined schemas compare alike. */
const resolve = (document: Json, schema: Json | undefined, depth = 0): Json | undefined => {
  if (schema === undefined || depth > 8) return schema
  if (typeof schema["$ref"] === "string") {
    const { $ref, ...siblings } = schema
    return { ...resolve(document, document["components"]["schemas"][$ref.split("/").pop()!], depth + 1), ...siblings }
  }
  const { allOf, ...rest } = schema
  return Array.isArray(allOf)
    ? allOf.reduce((merged: Json, part: Json) => ({ ...merged, ...resolve(document, part, depth + 1) }), rest)
    : schema
}

/** What must agree about a schema: its type, properties (each's type), required names, pattern, enum, bounds. */
const shape = (document: Json, schema: Json | undefined, depth = 0): unknown => {
  const s = resolve(document, schema)
  if (s === undefined) return undefined
  if (Array.isArray(s["anyOf"] ?? s["oneOf"])) {
    return { anyOf: (s["anyOf"] ?? s["oneOf"]).map((m: Json) => shape(document, m, depth + 1)).map(String).sort() }
  }
  const properties = s["properties"] as Json | undefined
  return {
    type: s["type"],
    required: [...(s["required"] ?? [])].sort(),
    properties: properties === undefined || Object.keys(properties).length === 0 || depth > 2
      ? undefined
      : Object.fromEntries(
        Object.keys(properties).sort().map((key) => [key, shape(document, properties[key], depth + 1)])
      ),
    items: s["items"] === undefined || depth > 2 ? undefined : shape(document, s["items"], depth + 1),
    // Effect 4 escapes `/` in patterns.
    pattern: typeof s["pattern"] === "string" ? s["pattern"].replace(/\\\//g, "/") : undefined,
    enum: s["enum"] === undefined ? undefined : [...s["enum"]].sort(),
    // JSON Schema counts code points, JavaScript UTF-16 units: Effect 4 documents a minimum length
    // of n units as ceil(n / 2) code points (a surrogate pair is one point, two units); Effect 3 as n.
    minLength: s["minLength"] === undefined
      ? undefined
      : document["x-edition"] === 3
      ? Math.ceil(s["minLength"] / 2)
      : s["minLength"],
    maxLength: s["maxLength"],
    // Effect 4 bounds every integer by Number.MAX_SAFE_INTEGER.
    maximum: s["maximum"] === Number.MAX_SAFE_INTEGER ? undefined : s["maximum"]
  }
}

/** Every operation as the facts both documents must share. */
const operations = (document: Json) =>
  Object.fromEntries(
    Object.entries(document["paths"] as Json).flatMap(([path, item]) =>
      Object.entries(item as Json).map(([method, operation]: [string, Json]) => [
        `${method.toUpperCase()} ${path}`,
        {
          operationId: operation["operationId"],
          summary: operation["summary"],
          tags: operation["tags"],
          parameters: (operation["parameters"] ?? []).map((p: Json) => `${p.in}:${p.name}:${p.required === true}`)
            .sort(),
          requestBody: shape(document, operation["requestBody"]?.["content"]?.["application/json"]?.["schema"]),
          responses: Object.keys(operation["responses"]).sort(),
          success: shape(document, operation["responses"]["200"]?.["content"]?.["application/json"]?.["schema"]),
          security: operation["security"]
        }
      ])
    )
  )

/** The components both generators name, by canonical name. */
const components = (document: Json) =>
  Object.fromEntries(
    Object.entries(document["components"]["schemas"] as Json).map((
      [name, schema]
    ) => [canonical(name), shape(document, schema)])
  )

describe("the OpenAPI documents of both editions", () => {
  it("have the same operations and the same schemas up to formatting", async () => {
    const effect3 = {
      ...JSON.parse(await output(process.execPath, ["bin/rampart.mjs", "openapi"])),
      "x-edition": 3
    } as Json
    const effect4 = JSON.parse(JSON.stringify(OpenApi.fromApi(RampartApi))) as Json
    expect(effect4["openapi"]).toBe(effect3["openapi"])
    expect(effect4["servers"]).toEqual(effect3["servers"])
    expect(effect4["info"]).toEqual(effect3["info"])
    expect(effect4["tags"]).toEqual(effect3["tags"])
    expect(operations(effect4)).toEqual(operations(effect3))
    const three = components(effect3)
    const four = components(effect4)
    const shared = Object.keys(three).filter((name) => name in four)
    // Every named schema of the contract is named by both (only generator artifacts differ).
    expect(Object.keys(three).filter((name) => !(name in four)).sort()).toEqual(["Int", "PropertyKey"])
    expect(Object.keys(four).filter((name) => !(name in three)).sort()).toEqual(["FaultRequest"])
    for (const name of shared) expect(four[name], name).toEqual(three[name])
    const schemes = (document: Json) =>
      Object.fromEntries(
        Object.entries(document["components"]["securitySchemes"] as Json).map((
          [name, scheme]
        ) => [name, { ...scheme, ...(scheme.scheme === undefined ? {} : { scheme: scheme.scheme.toLowerCase() }) }])
      )
    expect(schemes(effect4)).toEqual(schemes(effect3))
  })
})
