/**
 * Step-up from the outside: `POST /auth/otp/verify` over HTTP with Node's `fetch` (good codes, bad
 * headers that spend nothing), and a consumer `HttpApi` whose `/wallet/withdraw` sits behind
 * `UserAuthentication` and `OtpVerification`, served with `NodeHttpServer` two ways: talking to a
 * Rampart server (`layerUserAuthentication` + `layerOtpVerificationRemote`), and embedding the
 * domain (`layerUserAuthenticationInProcess` + `layerOtpVerification`).
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpServer from "@effect/platform/HttpServer"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, ManagedRuntime, Redacted, Schema } from "effect"
import { createServer } from "node:http"
import {
  AuthClient,
  CurrentUser,
  IdTokenVerifier,
  layerOtpVerificationRemote,
  layerUserAuthentication,
  OtpVerification,
  totpAt,
  UserAuthentication,
  VerifiedOtp
} from "rampart"
import {
  layerOtpVerification,
  layerServerConfig,
  layerServices,
  layerUserAuthenticationInProcess,
  OtpChallenges,
  Sandbox,
  SandboxClock
} from "rampart/server"
import { call } from "../support/Http.js"
import { type RunningServer, startServer } from "../support/Server.js"
import { testSettings } from "../support/Services.js"
import { freshSqliteUrl } from "../support/Stores.js"

const password = "correct horse battery"

// ---- the consumer's API: a withdrawal needs a login and a fresh code -----------------------------

class Withdrawal extends Schema.Class<Withdrawal>("Withdrawal")({
  email: Schema.String,
  channel: Schema.String,
  amount: Schema.Number
}) {}

const WalletApi = HttpApi.make("wallet").add(
  HttpApiGroup.make("wallet")
    .add(HttpApiEndpoint.post("withdraw", "/wallet/withdraw").addSuccess(Withdrawal).middleware(OtpVerification))
    .middleware(UserAuthentication)
)

const layerWallet = HttpApiBuilder.group(
  WalletApi,
  "wallet",
  (handlers) =>
    handlers.handle("withdraw", () =>
      Effect.gen(function*() {
        const user = yield* CurrentUser
        const otp = yield* VerifiedOtp
        return new Withdrawal({ email: user.email, channel: otp.channel, amount: 100 })
      }))
)

/** The wallet on a free port with `security` providing both middlewares; its URL and `close`. */
const serveWallet = async <E>(security: Layer.Layer<UserAuthentication | OtpVerification, E>) => {
  const runtime = ManagedRuntime.make(
    HttpApiBuilder.serve().pipe(
      Layer.provide(HttpApiBuilder.api(WalletApi).pipe(Layer.provide(layerWallet))),
      Layer.provide(security),
      Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" }))
    )
  )
  const address = await runtime.runPromise(HttpServer.addressWith((address) => Effect.succeed(address)))
  return {
    url: `http://127.0.0.1:${address._tag === "TcpAddress" ? address.port : 0}`,
    close: () => runtime.dispose()
  }
}

const withdraw = async (wallet: string, headers: Record<string, string>) => {
  const answer = await fetch(`${wallet}/wallet/withdraw`, { method: "POST", headers })
  const text = await answer.text()
  expect(text.length).toBeLessThan(1024)
  return { status: answer.status, body: JSON.parse(text) }
}

/** Every check of a withdrawal guarded by step-up, given how to log in and how to get a fresh EMAIL code. */
const guardsTheWithdrawal = async (
  wallet: string,
  idToken: string,
  freshEmailCode: () => Promise<string>,
  totpCode: () => Promise<string>
) => {
  const bearer = { authorization: `Bearer ${idToken}` }
  const code = await freshEmailCode()
  expect(await withdraw(wallet, { ...bearer, "x-otp": code })).toMatchObject({
    status: 200,
    body: { channel: "EMAIL", amount: 100 }
  })
  // The same code again: used.
  expect(await withdraw(wallet, { ...bearer, "x-otp": code })).toMatchObject({
    status: 401,
    body: { _tag: "InvalidOtp" }
  })
  // No x-otp: 401, saying the header is required.
  const missing = await withdraw(wallet, bearer)
  expect(missing).toMatchObject({ status: 401, body: { _tag: "InvalidOtp" } })
  expect(missing.body.message).toContain("x-otp header is required")
  // Malformed x-otp: 401 naming the header.
  for (const bad of ["12345", "abcdef", "1234567"]) {
    const refused = await withdraw(wallet, { ...bearer, "x-otp": bad })
    expect(refused).toMatchObject({ status: 401, body: { _tag: "InvalidOtp" } })
    expect(refused.body.message).toContain("x-otp")
  }
  // No bearer, or a bad one: 403, and the code is not spent.
  const kept = await freshEmailCode()
  expect(await withdraw(wallet, { "x-otp": kept })).toMatchObject({ status: 403, body: { _tag: "AuthError" } })
  expect(await withdraw(wallet, { authorization: "Bearer nope", "x-otp": kept })).toMatchObject({ status: 403 })
  // A current TOTP code works too, and names TOTP.
  const totp = await totpCode()
  const byTotp = await withdraw(wallet, { ...bearer, "x-otp": totp })
  expect(byTotp).toMatchObject({ status: 200, body: { channel: "TOTP" } })
  expect((await withdraw(wallet, { ...bearer, "x-otp": kept })).body.channel).toBe("EMAIL")
}

// ---- a Rampart server, and a user with a validated email and TOTP secret -----------------------

let rampart: RunningServer
beforeAll(async () => {
  rampart = await startServer(freshSqliteUrl())
})
afterAll(() => rampart.close())

/** Creates a user at the Rampart server with a validated email and TOTP secret; its idToken and secret. */
const validatedUser = async (email: string) => {
  expect((await call(rampart.url, "POST", "/sandbox/users", { body: { email, password } })).status).toBe(201)
  const token = (await call(rampart.url, "POST", "/auth/login", { body: { email, password } })).body.idToken as string
  const secret = (await call(rampart.url, "POST", "/auth/otp/methods/totp", { token, body: {} })).body.totp
    .secret as string
  const code = Either.getOrThrow(totpAt(secret, Math.floor(Date.now() / 1000) - 30)) // last step: keeps this one free
  expect(
    (await call(rampart.url, "POST", "/auth/otp/code", {
      token,
      headers: { "x-otp": code },
      body: { channel: "TOTP" }
    }))
      .status
  ).toBe(200)
  expect((await call(rampart.url, "GET", "/auth/otp/code?method=EMAIL", { token })).status).toBe(201)
  const sent = (await call(rampart.url, "GET", `/sandbox/outbox?to=${email}`)).body[0].code as string
  expect(
    (await call(rampart.url, "POST", "/auth/otp/code", {
      token,
      headers: { "x-otp": sent },
      body: { channel: "EMAIL" }
    }))
      .status
  ).toBe(200)
  return { token, secret }
}

/** A fresh EMAIL code for `token`'s user at the Rampart server (the sandbox clock jumps past the resend spacing). */
const emailCodeOverHttp = (email: string, token: string) => async () => {
  await call(rampart.url, "POST", "/sandbox/clock", { body: { advanceSeconds: 61 } })
  expect((await call(rampart.url, "GET", "/auth/otp/code?method=EMAIL", { token })).status).toBe(201)
  return (await call(rampart.url, "GET", `/sandbox/outbox?to=${email}`)).body[0].code as string
}

describe("POST /auth/otp/verify over HTTP", () => {
  it("a current TOTP code: 200 { channel, verifiedAt }; bad x-otp headers: bounded 400s that spend nothing", async () => {
    const { secret, token } = await validatedUser("verify@example.com")
    const send = (headers: Record<string, string>) =>
      fetch(`${rampart.url}/auth/otp/verify`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, ...headers }
      })
    for (const bad of ["", "12345", "abcdef", "123456, 123456", "9".repeat(8_000)]) {
      const answer = await send(bad === "" ? {} : { "x-otp": bad })
      const text = await answer.text()
      expect(answer.status, bad.slice(0, 20)).toBe(400)
      expect(text).toContain("x-otp")
      expect(text.length).toBeLessThan(2048)
    }
    // Twelve malformed headers later, the budget is untouched: a good code passes.
    const answer = await send({ "x-otp": Either.getOrThrow(totpAt(secret, Math.floor(Date.now() / 1000) + 30)) })
    expect(answer.status).toBe(200)
    const proof = await answer.json()
    expect(proof.channel).toBe("TOTP")
    expect(Number.isNaN(Date.parse(proof.verifiedAt))).toBe(false)
    // No bearer: 403.
    expect((await fetch(`${rampart.url}/auth/otp/verify`, { method: "POST", headers: { "x-otp": "123456" } })).status)
      .toBe(403)
  })
})

describe("a consumer /wallet/withdraw behind UserAuthentication and OtpVerification", () => {
  it("talking to a Rampart server: layerUserAuthentication + layerOtpVerificationRemote", async () => {
    const email = "remote@example.com"
    const { secret, token } = await validatedUser(email)
    const client = AuthClient.layer({ baseUrl: rampart.url })
    const wallet = await serveWallet(
      Layer.merge(
        layerUserAuthentication.pipe(
          Layer.provide(IdTokenVerifier.layerJwks({ issuer: "rampart", audience: "rampart" }))
        ),
        layerOtpVerificationRemote
      ).pipe(Layer.provide(client))
    )
    try {
      // The server checks codes in sandbox time, which moves 61 s per code (the resend spacing).
      const totpInSandboxTime = async () => {
        const now = Date.parse((await call(rampart.url, "GET", "/sandbox/clock")).body.now)
        return Either.getOrThrow(totpAt(secret, Math.floor(now / 1000)))
      }
      await guardsTheWithdrawal(wallet.url, token, emailCodeOverHttp(email, token), totpInSandboxTime)
    } finally {
      await wallet.close()
    }
  })

  it("embedding the domain: layerUserAuthenticationInProcess + layerOtpVerification over layerServices", async () => {
    const services = layerServices.pipe(Layer.provideMerge(layerServerConfig(testSettings(freshSqliteUrl()))))
    const runtime = ManagedRuntime.make(services)
    const email = "embedded@example.com"
    const domain = await runtime.runPromise(Effect.gen(function*() {
      const sandbox = yield* Sandbox
      yield* sandbox.createUser(email, Redacted.make(password))
      return { sandbox, otp: yield* OtpChallenges }
    }))
    const wallet = await serveWallet(
      Layer.merge(layerUserAuthenticationInProcess, layerOtpVerification).pipe(Layer.provide(Layer.succeedContext(
        await runtime.runPromise(Effect.context<Layer.Layer.Success<typeof services>>())
      )))
    )
    try {
      // The host's own login and enrolment go through the same domain services.
      const { Accounts, OtpMethods } = await import("rampart/server")
      const setUp = await runtime.runPromise(Effect.gen(function*() {
        const tokens = yield* (yield* Accounts).login(email, Redacted.make(password), null)
        const claims = JSON.parse(Buffer.from(tokens.idToken.split(".")[1]!, "base64url").toString())
        const enrolment = yield* (yield* OtpMethods).createTotp(claims.sub)
        const secret = enrolment.totp.secret
        yield* domain.otp.verify(
          claims.sub,
          "TOTP",
          Either.getOrThrow(totpAt(secret, Math.floor(Date.now() / 1000) - 30))
        )
        yield* domain.otp.request(claims.sub, "EMAIL")
        const [sent] = yield* domain.sandbox.outbox(email)
        yield* domain.otp.verify(claims.sub, "EMAIL", sent!.code)
        return { token: tokens.idToken, secret, userId: claims.sub }
      }))
      // A code a minute later each time (the resend spacing), by moving the embedded sandbox's clock.
      const freshEmailCode = () =>
        runtime.runPromise(Effect.gen(function*() {
          const clock = yield* SandboxClock
          yield* clock.advance(61)
          yield* clock.withSandboxTime(domain.otp.request(setUp.userId, "EMAIL"))
          const [sent] = yield* domain.sandbox.outbox(email)
          return sent!.code
        }))
      const totpNow = async () => Either.getOrThrow(totpAt(setUp.secret, Math.floor(Date.now() / 1000)))
      await guardsTheWithdrawal(wallet.url, setUp.token, freshEmailCode, totpNow)
    } finally {
      await wallet.close()
      await runtime.dispose()
    }
  })
})
