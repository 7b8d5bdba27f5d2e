import { describe, expect, it } from "@effect/vitest"
import { Arbitrary, FastCheck, Schema } from "effect"
import { LoginRequest, LoginResponse, RefreshRequest, RefreshResponse } from "../../src/Domain/Credentials.js"
import * as Errors from "../../src/Domain/Errors.js"
import { Jwks } from "../../src/Domain/Operations.js"
import { OtpCodeStatus, VerifyOtpRequest } from "../../src/Domain/Otp.js"
import { PartnerLoginRequest, PartnerLoginResponse } from "../../src/Domain/Partner.js"
import { SmsMethodRequest } from "../../src/Domain/Phone.js"
import { SecurityProfile, TotpEnrollment } from "../../src/Domain/Profile.js"
import { CreateAccountRequest, OutboxMessage, PartnerCredentials } from "../../src/Domain/Sandbox.js"

/** encode ∘ decode ∘ encode is the identity on the encoded side, for any value the schema can make. */
const roundTrips = <A, I>(name: string, schema: Schema.Schema<A, I>) =>
  it(`${name} round-trips through its wire form`, () => {
    const encode = Schema.encodeSync(schema)
    const decode = Schema.decodeUnknownSync(schema)
    FastCheck.assert(
      FastCheck.property(Arbitrary.make(schema), (value) => {
        const wire = encode(value)
        const json = JSON.parse(JSON.stringify(wire)) as unknown
        expect(encode(decode(json))).toEqual(wire)
      }),
      { numRuns: 200 }
    )
  })

describe("Schema round trips", () => {
  roundTrips("SecurityProfile", SecurityProfile)
  roundTrips("TotpEnrollment", TotpEnrollment)
  roundTrips("LoginRequest", LoginRequest)
  roundTrips("LoginResponse", LoginResponse)
  roundTrips("RefreshRequest", RefreshRequest)
  roundTrips("RefreshResponse", RefreshResponse)
  roundTrips("OtpCodeStatus", OtpCodeStatus)
  roundTrips("VerifyOtpRequest", VerifyOtpRequest)
  roundTrips("PartnerLoginRequest", PartnerLoginRequest)
  roundTrips("PartnerLoginResponse", PartnerLoginResponse)
  roundTrips("CreateAccountRequest", CreateAccountRequest)
  roundTrips("PartnerCredentials", PartnerCredentials)
  roundTrips("OutboxMessage", OutboxMessage)
  roundTrips("Jwks", Jwks)
  roundTrips("AttemptsExhausted", Errors.AttemptsExhausted)
  roundTrips("AuthError", Errors.AuthError)

  it("SmsMethodRequest stores what libphonenumber accepts for the country, and round-trips", () => {
    const decode = Schema.decodeUnknownSync(SmsMethodRequest)
    for (
      const [phone, country] of [["612345678", "ES"], ["+34 612 34 56 78", "ES"], ["62889", "AC"], [
        "(201) 555-0123",
        "US"
      ]] as const
    ) {
      const body = decode({ phone, country })
      expect(decode(Schema.encodeSync(SmsMethodRequest)(body))).toEqual(body)
    }
  })
})

describe("Schema refusals name the field", () => {
  const message = <A, I>(schema: Schema.Schema<A, I>, input: unknown) => {
    try {
      Schema.decodeUnknownSync(schema, { errors: "all" })(input)
      return "decoded"
    } catch (e) {
      return String(e)
    }
  }

  it.each(
    [
      [SmsMethodRequest, { phone: "+34612345678", country: "FR" }, "phone belongs to ES, not to country FR"],
      [SmsMethodRequest, { phone: "612345678", country: "XX" }, "country"],
      [LoginRequest, { email: "not-an-email", password: "x" }, "email"],
      [LoginRequest, { email: "a@b.co", password: "" }, "password"],
      [CreateAccountRequest, { email: "a@b.co", password: "short" }, "password"],
      [PartnerLoginRequest, {
        email: "a@b.co",
        password: "x",
        client_id: 1,
        client_secret: "s",
        security_code: "12345"
      }, "security_code"],
      [PartnerLoginRequest, {
        email: "a@b.co",
        password: "x",
        client_id: 1,
        client_secret: "s",
        security_code: "123456",
        expires_in: 3601
      }, "expires_in"],
      [PartnerLoginRequest, {
        email: "a@b.co",
        password: "x",
        client_id: 1,
        client_secret: "s",
        security_code: "123456",
        expires_in: 0
      }, "expires_in"],
      [PartnerLoginRequest, {
        email: "a@b.co",
        password: "x",
        client_id: "1",
        client_secret: "s",
        security_code: "123456"
      }, "client_id"],
      [VerifyOtpRequest, { channel: "PIGEON" }, "channel"]
    ] as const
  )("%# refuses a bad field with a message naming it", (schema, input, expected) => {
    expect(message(schema as Schema.Schema<unknown, unknown>, input)).toContain(expected)
  })
})
