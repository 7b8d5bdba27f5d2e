/**
 * How request bodies are read: a field a body does not define is refused (400 naming it), as the
 * OpenAPI document's `additionalProperties: false` says, so a misspelt optional field
 * (`expire_in`) is an error rather than a silent default.
 */

import * as Schema from "effect/Schema"
import type { LengthRule } from "../Shared/WireRules.js"

/** A string of `min` to `max` characters; either bound broken says `message` (never the value). */
export const lengthBetween = (min: number, max: number, message: string) =>
  Schema.String.pipe(
    Schema.minLength(min, { message: () => message }),
    Schema.maxLength(max, { message: () => message })
  )

/** A string within a shared `LengthRule` (`src/Shared/WireRules.ts`). */
export const lengthWithin = (rule: LengthRule) => lengthBetween(rule.min, rule.max, rule.message)

/** The annotation that makes a request body's struct refuse fields it does not define. */
export const strictFields = { parseOptions: { onExcessProperty: "error" } } as const

/** A body that must be an empty JSON object: each field it holds is refused, naming the field. */
export const EmptyBody = Schema.Record({ key: Schema.String, value: Schema.Unknown }).pipe(
  Schema.filter(
    (record) => {
      const first = Object.keys(record)[0]
      return first === undefined || { path: [first], message: "is not a field of this request" }
    },
    { jsonSchema: { maxProperties: 0 } }
  )
).annotations({ identifier: "EmptyBody", description: "An empty JSON object" })

/** A body that is an empty JSON object or absent (a POST that takes no input). */
export const NoInput = Schema.NullOr(EmptyBody).annotations({ description: "An empty object, or no body" })
