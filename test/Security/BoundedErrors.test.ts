/**
 * Every error answer is bounded: the worst hostile requests we know (bench/lib/WorstRequests.ts:
 * ~60 kB values in each field of every body, non-object bodies, 12 kB queries and headers, long
 * unknown paths, wrong methods), each sent with a valid bearer where the endpoint takes one, get a
 * 4xx whose body is under 2 KiB and no larger than what the request carried, names the field in
 * plain words and shows no Schema internals.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { requestBytes, sendWorst, type WorstRequest, worstRequests } from "../../bench/lib/WorstRequests.js"
import { call, newPartnerToken, newUserToken } from "../support/Http.js"
import { type RunningServer, startServer } from "../support/Server.js"
import { freshSqliteUrl } from "../support/Stores.js"

describe("bounded error answers", () => {
  let server: RunningServer
  let requests: ReadonlyArray<WorstRequest>
  beforeAll(async () => {
    server = await startServer(freshSqliteUrl())
    const password = "bounded password 1"
    const idToken = await newUserToken(server.url, "bounded@example.com", password)
    requests = worstRequests({
      idToken,
      accessToken: await newPartnerToken(server.url, "bounded-partner@example.com", password)
    })
  })
  afterAll(() => server.close())

  it("the worst hostile request to every endpoint: a small 4xx in plain words", async () => {
    expect(requests.length).toBeGreaterThan(150)
    let worst = { ratio: 0, label: "" }
    for (const request of requests) {
      const answer = await sendWorst(server.url, request)
      const context = `${request.label} → ${answer.status} ${answer.text.slice(0, 300)}`
      expect(answer.status, context).toBeGreaterThanOrEqual(400)
      expect(answer.status, context).toBeLessThan(500)
      expect(answer.bytes, context).toBeLessThan(2048)
      expect(answer.bytes, context).toBeLessThanOrEqual(requestBytes(request))
      expect(answer.text, context).not.toMatch(/Encoded side|└─|Expected undefined|actual "A{65}/)
      const ratio = answer.bytes / requestBytes(request)
      if (ratio > worst.ratio) worst = { ratio, label: request.label }
    }
    expect(worst.ratio, worst.label).toBeLessThanOrEqual(1)
  }, 120_000)

  it("names the field and the rule: the issue's examples", async () => {
    const sms = await call(server.url, "POST", "/auth/otp/methods/sms", {
      token: await newUserToken(server.url, "bounded-sms@example.com", "bounded password 1"),
      body: { phone: "612345678", country: "A".repeat(60_000) }
    })
    expect(sms.status).toBe(400)
    expect(sms.body).toEqual({
      _tag: "HttpApiDecodeError",
      issues: [{ _tag: "Refinement", path: ["country"], message: "must be an ISO 3166 region code such as ES" }],
      message: "`country`: must be an ISO 3166 region code such as ES"
    })
    const empty = await call(server.url, "POST", "/auth/login", {
      body: "",
      headers: { "content-type": "application/json" }
    })
    expect(empty.status).toBe(400)
    expect(empty.body.message).toBe("the body must be a JSON object with `email` and `password`")
    const expires = await call(server.url, "POST", "/api/v1/partners/auth/login", {
      body: {
        email: "a@example.com",
        password: "x",
        client_id: 1,
        client_secret: "s",
        security_code: "123456",
        expires_in: 0
      }
    })
    expect(expires.body.issues).toEqual([{
      _tag: "Refinement",
      path: ["expires_in"],
      message: "must be a whole number of seconds from 1 to 3600"
    }])
    const channel = await call(server.url, "POST", "/auth/otp/code", {
      token: await newUserToken(server.url, "bounded-code@example.com", "bounded password 1"),
      headers: { "x-otp": "123456" },
      body: { channel: "PIGEON" }
    })
    expect(channel.body.message).toBe("`channel`: must be one of EMAIL, SMS, TOTP, not \"PIGEON\"")
  })

  it("unknown fields are refused, naming the field (the OpenAPI document says additionalProperties: false)", async () => {
    const answer = await call(server.url, "POST", "/auth/login", {
      body: { email: "a@example.com", password: "x", remember_me: true }
    })
    expect(answer.status).toBe(400)
    expect(answer.body.message).toBe("`remember_me`: is not a field of this request")
  })

  it("never quotes a secret back", async () => {
    const answer = await call(server.url, "POST", "/sandbox/users", {
      body: { email: "short@example.com", password: "hunter2" }
    })
    expect(answer.status).toBe(400)
    expect(JSON.stringify(answer.body)).not.toContain("hunter2")
    expect(answer.body.message).toBe("`password`: must be a password of 8 to 256 characters")
  })
})
