/**
 * Phone numbers for the SMS OTP method: the ISO 3166 region list of libphonenumber-js and the rule
 * that a phone must be valid for its country, normalised to E.164.
 */
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { type CountryCode, type Examples, getExampleNumber } from "libphonenumber-js/max"
import { createRequire } from "node:module"
import { COUNTRIES as countries, e164Of, isCountry, Lengths, PhoneRules } from "../Shared/WireRules.js"
import { lengthWithin, strictFields } from "./Requests.js"

/**
 * An ISO 3166-1 alpha-2 region code. A refinement of string rather than a union of ~245 literals:
 * a wrong value is one issue with one plain message, not one issue per region quoting the value.
 */
export const Country = Schema.String.pipe(
  Schema.filter(isCountry, {
    message: () => PhoneRules.countryMessage,
    jsonSchema: { enum: countries }
  })
).annotations({
  identifier: "Country",
  description: PhoneRules.countryDescription,
  arbitrary: () => (fc) => fc.constantFrom(...countries)
})
/** A region code of the `country` enum. */
export type Country = typeof Country.Type

/** A phone number in E.164 form, e.g. `+34612345678`. */
export const E164 = Schema.String.pipe(
  Schema.pattern(PhoneRules.e164Pattern),
  Schema.brand("E164")
).annotations({ identifier: "E164" })
/** A phone number in E.164 form. */
export type E164 = typeof E164.Type

/** Parses `phone` as a number of `country`; fails with a message naming what is wrong. */
export const toE164 = (phone: string, country: Country): Either.Either<E164, string> => {
  const outcome = e164Of(phone, country)
  return outcome._tag === "Ok" ? Either.right(outcome.value as E164) : Either.left(outcome.message)
}

/** The documented shape of `POST /auth/otp/methods/sms`: a non-empty phone and its country. */
export const SmsMethodFields = Schema.Struct({
  phone: lengthWithin(Lengths.phone),
  country: Country
}).annotations(strictFields)

/**
 * Valid `{ phone, country }` pairs for Arbitraries: libphonenumber's example mobile numbers of the
 * regions that have one, read once, only when an Arbitrary is asked for (never by the server).
 */
let examplePairs: ReadonlyArray<{ readonly phone: string; readonly country: CountryCode }> | undefined
const validPhonePairs = () =>
  examplePairs ??= (() => {
    const examples = createRequire(import.meta.url)("libphonenumber-js/examples.mobile.json") as Examples
    return countries.flatMap((country) => {
      const example = getExampleNumber(country, examples)
      if (example === undefined) return []
      const pairs = [{ phone: example.number, country }, { phone: example.formatNational(), country }]
      return pairs.filter((pair) => Either.isRight(toE164(pair.phone, pair.country)))
    })
  })()

/** `POST /auth/otp/methods/sms` body; the phone must be a valid number of `country`. */
export const SmsMethodRequest = SmsMethodFields.pipe(
  Schema.filter((body) =>
    Either.match(toE164(body.phone, body.country), {
      onLeft: (message) => ({ path: ["phone"], message: `phone ${message}` }),
      onRight: () => true
    })
  )
).annotations({
  identifier: "SmsMethodRequest",
  arbitrary: () => (fc) => fc.constantFrom(...validPhonePairs())
})
/** `POST /auth/otp/methods/sms` body. */
export type SmsMethodRequest = typeof SmsMethodRequest.Type
