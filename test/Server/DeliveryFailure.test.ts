/**
 * A failed OTP delivery in process (issue 24): `DeliveryError` in the error channel of
 * `OtpChallenges.request` and `OtpMethods.addSms` (never a defect), with its transaction rolled
 * back — no code stored, no resend spacing spent, no phone saved — and `otp.delivery_failed` kept.
 * The webhook points at a port nobody listens on (a real connection refused, no mock).
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Option } from "effect"
import { DeliveryError, OtpChallenges, OtpMethods, SecurityEvents } from "rampart/server"
import { layerTestServices, newUser, startClock, userIdOf } from "../support/Services.js"
import { freshSqliteUrl } from "../support/Stores.js"

const services = () =>
  layerTestServices(freshSqliteUrl(), {
    otpWebhookUrl: Option.some("http://127.0.0.1:9/refused"),
    deliveryTimeout: Duration.seconds(2)
  })

describe("a failed OTP delivery", () => {
  it.effect("is a typed DeliveryError; nothing is stored and the resend spacing is not spent", () =>
    Effect.gen(function*() {
      yield* startClock
      const { email } = yield* newUser()
      const userId = yield* userIdOf(email)
      const otp = yield* OtpChallenges
      const first = yield* Effect.flip(otp.request(userId, "EMAIL"))
      expect(first).toBeInstanceOf(DeliveryError)
      expect(first._tag).toBe("DeliveryError")
      // Again at once: the same failure, not AttemptsExhausted (the first send was not counted).
      expect((yield* Effect.flip(otp.request(userId, "EMAIL")))._tag).toBe("DeliveryError")
      const sql = yield* SqlClient.SqlClient
      expect(yield* sql<{ n: number }>`SELECT COUNT(*) AS n FROM rampart_otp_codes`).toEqual([{ n: 0 }])
      const failed = yield* (yield* SecurityEvents).after(0, 100)
      expect(failed.filter((event) => event.type === "otp.delivery_failed")).toHaveLength(2)
      // addSms: the phone is not saved either.
      const sms = yield* Effect.flip((yield* OtpMethods).addSms(userId, "+34612345678" as never))
      expect(sms._tag).toBe("DeliveryError")
      expect(yield* sql<{ phone: string | null }>`SELECT phone FROM rampart_users WHERE id = ${userId}`).toEqual([{
        phone: null
      }])
    }).pipe(Effect.provide(services())))
})
