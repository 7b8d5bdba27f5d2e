/**
 * Phone numbers for the SMS OTP method: the ISO 3166 region list of libphonenumber-js and the rule
 * that a phone must be valid for its country, normalised to E.164 (`e164Of`, shared).
 */
import { COUNTRIES, e164Of, isCountry, Lengths, PhoneRules } from "#shared/WireRules.js"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import type { CountryCode } from "libphonenumber-js/max"
import { lengthWithin, unicodePattern } from "./Requests.js"

/**
 * An ISO 3166-1 alpha-2 region code. A refinement of string rather than a union of ~245 literals:
 * a wrong value is one issue with one plain message, not one issue per region quoting the value.
 */
export const Country = Schema.String.pipe(
  Schema.refine((code: string): code is CountryCode => isCountry(code), {
    message: PhoneRules.countryMessage,
    toJsonSchema: () => ({ enum: COUNTRIES })
  })
).annotate({ identifier: "Country", description: PhoneRules.countryDescription })
/** A region code of the `country` enum. */
export type Country = typeof Country.Type

/** A phone number in E.164 form, e.g. `+34612345678`. */
export const E164 = Schema.String.check(Schema.isPattern(unicodePattern(PhoneRules.e164Pattern))).pipe(
  Schema.brand("E164")
)
  .annotate({ identifier: "E164" })
/** A phone number in E.164 form. */
export type E164 = typeof E164.Type

/** Parses `phone` as a number of `country`; fails with a message naming what is wrong. */
export const toE164 = (phone: string, country: Country): Result.Result<E164, string> => {
  const outcome = e164Of(phone, country)
  return outcome._tag === "Ok" ? Result.succeed(outcome.value as E164) : Result.fail(outcome.message)
}

/** The documented shape of `POST /auth/otp/methods/sms`: a non-empty phone and its country. */
export const SmsMethodFields = Schema.Struct({ phone: lengthWithin(Lengths.phone), country: Country })

/** `POST /auth/otp/methods/sms` body; the phone must be a valid number of `country`. */
export const SmsMethodRequest = SmsMethodFields.check(
  Schema.makeFilter((body) => {
    const outcome = e164Of(body.phone, body.country)
    return outcome._tag === "Ok" || { path: ["phone"], issue: `phone ${outcome.message}` }
  })
).annotate({ identifier: "SmsMethodRequest" })
/** `POST /auth/otp/methods/sms` body. */
export type SmsMethodRequest = typeof SmsMethodRequest.Type
