import { describe, expect, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { LoginRequest, LoginResponse, RefreshRequest, RefreshResponse } from "../../src/Domain/Credentials.js"
import { OtpCodeStatus, VerifyOtpRequest } from "../../src/Domain/Otp.js"
import { PartnerLoginRequest, PartnerLoginResponse } from "../../src/Domain/Partner.js"
import { SmsMethodFields, SmsMethodRequest } from "../../src/Domain/Phone.js"
import { SecurityProfile } from "../../src/Domain/Profile.js"
import { criptanSeed, jsonExamples, kriptoSeed, readSeed } from "../fixtures/Seeds.js"

const keysOf = (o: object) => Object.keys(o).sort().join(",")
const decode = <A, I>(schema: Schema.Schema<A, I>) => Schema.decodeUnknownEither(schema, { onExcessProperty: "error" })

describe("Criptan seed examples", () => {
  const examples = jsonExamples(readSeed(criptanSeed))
  const byKeys = (...keys: Array<string>) => examples.filter((e) => keysOf(e) === [...keys].sort().join(","))

  it("finds every documented payload", () => {
    // 4 profiles, OTP status, login req/resp, refresh req/resp, sms req, {} totp req, verify req
    expect(examples).toHaveLength(12)
  })

  it("decodes the security profile unchanged, dates as Date", () => {
    const profiles = examples.filter((e) => "hasValidatedSecret" in e)
    expect(profiles).toHaveLength(4)
    for (const p of profiles) {
      const decoded = Either.getOrThrow(decode(SecurityProfile)(p))
      expect(decoded.email).toBe("name@gmail.com")
      expect(decoded.status).toBe("ACTIVE")
      expect(decoded.emailVerificationDate).toEqual(new Date("2025-06-09T05:45:44.994Z"))
      expect(Schema.encodeSync(SecurityProfile)(decoded)).toEqual(p)
    }
  })

  it("decodes the OTP code status, login, refresh and verify payloads", () => {
    const status = Either.getOrThrow(decode(OtpCodeStatus)(byKeys("validUntil", "channel", "validated")[0]))
    expect(status).toMatchObject({ channel: "EMAIL", validated: true })
    expect(Either.isRight(decode(LoginRequest)(byKeys("email", "password")[0]))).toBe(true)
    expect(Either.getOrThrow(decode(LoginResponse)(byKeys("idToken", "refreshToken")[0]))).toMatchObject({
      idToken: "text"
    })
    expect(Either.isRight(decode(RefreshRequest)(byKeys("refreshToken")[0]))).toBe(true)
    expect(Either.isRight(decode(RefreshResponse)(byKeys("idToken")[0]))).toBe(true)
    expect(Either.getOrThrow(decode(VerifyOtpRequest)(byKeys("channel")[0]))).toMatchObject({ channel: "SMS" })
    expect(byKeys()).toHaveLength(1) // the `{}` body of POST /auth/otp/methods/totp
  })

  it("keeps the documented SMS shape; the placeholder phone 'text' is refused naming phone", () => {
    const example = byKeys("phone", "country")[0]!
    expect(example).toEqual({ phone: "text", country: "AC" })
    expect(Either.isRight(decode(SmsMethodFields)(example))).toBe(true)
    const refused = decode(SmsMethodRequest)(example)
    expect(Either.isLeft(refused) && String(refused.left)).toContain("phone is not a valid phone number for country AC")
    expect(Either.isRight(decode(SmsMethodRequest)({ ...example, phone: "62889" }))).toBe(true)
  })
})

describe("KriptoAPI seed examples", () => {
  const examples = jsonExamples(readSeed(kriptoSeed))

  it("decodes the documented login response unchanged", () => {
    const response = examples.find((e) => "access_token" in e)!
    expect(Either.getOrThrow(decode(PartnerLoginResponse)(response))).toEqual({
      access_token: "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiIsImp0aSI6IjE4ODUzNjM2MjA",
      expires_in: 3600
    })
  })

  it("decodes the documented login request once the page's email obfuscation is undone", () => {
    const request = examples.find((e) => "security_code" in e)!
    // The scraped page replaced the address with Cloudflare's "[email protected]" placeholder.
    expect(request.email).toMatch(/^\[email\sprotected\]$/)
    const refused = decode(PartnerLoginRequest)(request)
    expect(Either.isLeft(refused) && String(refused.left)).toContain("email")
    const decoded = Either.getOrThrow(decode(PartnerLoginRequest)({ ...request, email: "partner@example.com" }))
    expect(decoded).toMatchObject({ client_id: 5, security_code: "478291", expires_in: 16 })
  })
})
