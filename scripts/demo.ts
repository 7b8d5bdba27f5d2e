/**
 * `npm run demo`: walks the whole documented flow of both seeds against a running sandbox at
 * `RAMPART_URL` (default http://127.0.0.1:8080) with the typed client derived from `RampartApi`,
 * reading delivered codes from the sandbox outbox. Prints each step; exits 1 on any unexpected answer.
 */
import { FetchHttpClient, HttpApiClient, HttpClient, HttpClientRequest } from "@effect/platform"
import { Clock, Config, Console, Effect, Either, Redacted } from "effect"
import { RampartApi } from "../src/Api/RampartApi.js"
import { totpAt } from "../src/Totp.js"

const step = (title: string) => Console.log(`• ${title}`)
const expectTag = <A, E extends { _tag: string }, R>(effect: Effect.Effect<A, E, R>, tag: string) =>
  Effect.flatMap(
    Effect.flip(effect),
    (error) =>
      error._tag === tag
        ? Console.log(`  refused as expected: ${tag}`)
        : Effect.die(`expected ${tag}, got ${error._tag}`)
  )
const check = (condition: boolean, what: string) => (condition ? Effect.void : Effect.die(`unexpected: ${what}`))
const totpNow = (secret: string) =>
  Effect.map(Clock.currentTimeMillis, (ms) => Either.getOrThrow(totpAt(secret, Math.floor(ms / 1000))))
/** Waits for the next 30 s TOTP step: a code is single use, so the next operation needs a new one. */
const nextStep = Effect.zipRight(
  Console.log("  waiting for the next TOTP step (codes are single use)…"),
  Effect.flatMap(Clock.currentTimeMillis, (ms) => Effect.sleep(30_000 - (ms % 30_000) + 100))
)

const demo = Effect.gen(function*() {
  const baseUrl = yield* Config.string("RAMPART_URL").pipe(Config.withDefault("http://127.0.0.1:8080"))
  const client = yield* HttpApiClient.make(RampartApi, { baseUrl })
  const withBearer = (token: string) =>
    HttpApiClient.make(RampartApi, {
      baseUrl,
      transformClient: HttpClient.mapRequest(HttpClientRequest.bearerToken(token))
    })
  const suffix = Date.now().toString(36)
  const email = `demo-${suffix}@example.com`
  const password = Redacted.make("demo password 123")
  const outboxCode = (to: string) =>
    Effect.map(client.sandbox.outbox({ urlParams: { to } }), (messages) => messages[0]!.code)

  yield* step(`sandbox at ${baseUrl}: ${(yield* client.operations.health()).status}`)
  yield* step(`POST /sandbox/users ${email}`)
  yield* client.sandbox.createUser({ payload: { email, password } })

  yield* step("Criptan POST /auth/login")
  const tokens = yield* client.auth.login({ payload: { email, password } })
  yield* expectTag(client.auth.login({ payload: { email, password: Redacted.make("wrong password") } }), "AuthError")
  yield* step("POST /auth/login/refresh")
  const { idToken } = yield* client.auth.refresh({ payload: { refreshToken: Redacted.make(tokens.refreshToken) } })
  const user = yield* withBearer(idToken)

  yield* step("GET /auth/otp/code?method=EMAIL, code read from the sandbox outbox, POST /auth/otp/code")
  const status = yield* user.otp.requestCode({ urlParams: { method: "EMAIL" } })
  yield* Console.log(`  code valid until ${status.validUntil.toISOString()}`)
  yield* expectTag(user.otp.requestCode({ urlParams: { method: "EMAIL" } }), "AttemptsExhausted")
  const emailCode = yield* outboxCode(email)
  const afterEmail = yield* user.otp.verifyCode({ headers: { "x-otp": emailCode }, payload: { channel: "EMAIL" } })
  yield* check(afterEmail.hasValidatedEmail, "email not validated")

  yield* step("POST /auth/otp/methods/sms (+34 612 xx xx xx), SMS code from the outbox, POST /auth/otp/code")
  const phone = `6123${String(Date.now() % 100_000).padStart(5, "0")}`
  const withPhone = yield* user.otp.addSmsMethod({ payload: { phone, country: "ES" } })
  const smsCode = yield* outboxCode(withPhone.phoneNumber!)
  const afterSms = yield* user.otp.verifyCode({ headers: { "x-otp": smsCode }, payload: { channel: "SMS" } })
  yield* check(afterSms.hasValidatedPhone, "phone not validated")

  yield* step("POST /auth/otp/methods/totp, validate with a TOTP code")
  const enrolment = yield* user.otp.createTotpSecret({ payload: {} })
  yield* Console.log(`  ${enrolment.totp.uri}`)
  const code = yield* totpNow(enrolment.totp.secret)
  const afterTotp = yield* user.otp.verifyCode({ headers: { "x-otp": code }, payload: { channel: "TOTP" } })
  yield* check(afterTotp.hasValidatedSecret, "secret not validated")
  yield* expectTag(user.otp.deleteTotpSecret({ headers: { "x-otp": code } }), "InvalidOtp")
  yield* nextStep
  yield* step("DELETE /auth/otp/methods/totp with a fresh code")
  const afterDelete = yield* user.otp.deleteTotpSecret({ headers: { "x-otp": yield* totpNow(enrolment.totp.secret) } })
  yield* check(!afterDelete.hasValidatedSecret, "secret not deleted")

  const partnerEmail = `partner-${suffix}@example.com`
  yield* step(`KriptoAPI: POST /sandbox/partners ${partnerEmail}`)
  const partner = yield* client.sandbox.createPartner({ payload: { email: partnerEmail, password } })
  yield* Console.log(`  client_id=${partner.client_id}; security codes as with: oathtool --totp -b <totp_secret>`)
  const login = (security_code: string) =>
    client.partners.login({
      payload: {
        email: partnerEmail,
        password,
        client_id: partner.client_id,
        client_secret: Redacted.make(partner.client_secret),
        security_code,
        expires_in: 300
      }
    })
  yield* step("POST /api/v1/partners/auth/login")
  const securityCode = yield* totpNow(partner.totp_secret)
  const session = yield* login(securityCode)
  yield* Console.log(`  access_token received, expires_in=${session.expires_in}`)
  yield* expectTag(login(securityCode), "InvalidOtp")
  yield* step("POST /api/v1/partners/auth/logout")
  const partnerClient = yield* withBearer(session.access_token)
  yield* partnerClient.partners.logout()
  yield* expectTag(partnerClient.partners.logout(), "AuthError")
  yield* Console.log("demo complete: every answer was the documented one")
})

demo.pipe(
  Effect.provide(FetchHttpClient.layer),
  Effect.tapErrorCause((cause) => Console.error(`demo failed: ${cause}`)),
  Effect.runPromiseExit
).then((exit) => process.exit(exit._tag === "Success" ? 0 : 1))
