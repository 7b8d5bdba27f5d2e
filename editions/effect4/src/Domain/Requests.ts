/**
 * How request bodies are read, as in the Effect 3 edition: a field a body does not define is
 * refused (the OpenAPI document's `additionalProperties: false`); here the contract asks for it with
 * `HttpApi.PayloadParseOptions` (`RampartApi`), Effect 4's replacement of the per-struct annotation.
 */
import type { LengthRule } from "#shared/WireRules.js"
import * as Schema from "effect/Schema"

/**
 * `pattern` with the Unicode flag: Effect 4 documents a pattern in JSON Schema only for `u` RegExps
 * (the shared patterns are the Effect 3 edition's, written without it).
 */
export const unicodePattern = (pattern: RegExp): RegExp => new RegExp(pattern.source, `${pattern.flags}u`)

/** A string within a shared `LengthRule`; either bound broken says its message (never the value). */
export const lengthWithin = (rule: LengthRule) =>
  Schema.String.check(
    Schema.isMinLength(rule.min, { message: rule.message }),
    Schema.isMaxLength(rule.max, { message: rule.message })
  )

/** A body that must be an empty JSON object: each field it holds is refused, naming the field. */
export const EmptyBody = Schema.Record(Schema.String, Schema.Unknown).check(
  Schema.makeFilter((record) => {
    const first = Object.keys(record)[0]
    return first === undefined || { path: [first], issue: "is not a field of this request" }
  }),
  Schema.isMaxProperties(0)
).annotate({ identifier: "EmptyBody", description: "An empty JSON object" })

/** A body that is an empty JSON object or absent (a POST that takes no input). */
export const NoInput = Schema.NullOr(EmptyBody).annotate({ description: "An empty object, or no body" })
