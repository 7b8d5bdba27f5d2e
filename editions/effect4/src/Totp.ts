/**
 * TOTP (RFC 6238) with time from Effect's `Clock`: codes, verification with a ±1 step window and
 * the RFC 6238 §5.2 replay rule, and `otpauth://` key URIs. `TestClock` drives every step in tests.
 * The arithmetic is `src/Shared/TotpMath.ts`, the same code as the Effect 3 edition's; this module
 * adds the `Clock`, `Redacted` secrets and the typed errors (`TotpFormatError`, `InvalidOtp`).
 */
import {
  decodeBase32Secret,
  epochSecondsOf,
  generateTotpSecretText,
  INVALID_TOTP_MESSAGE,
  millisUntilStepAfter,
  totpCodeAt,
  totpKeyUriOf,
  type TotpOptions,
  type TotpOutcome,
  totpStepAt,
  totpVerifyAt,
  withoutStack
} from "#shared/TotpMath.js"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { InvalidOtp } from "./Domain/Errors.js"

export { MAX_TOTP_PERIOD, millisUntilStepAfter, TOTP_PERIOD_SECONDS } from "#shared/TotpMath.js"
export type { TotpAlgorithm, TotpOptions } from "#shared/TotpMath.js"

/** A TOTP code or secret that is malformed: wrong length, non-digits, bad or empty base32. */
export class TotpFormatError extends Schema.TaggedError<TotpFormatError>()("TotpFormatError", {
  message: Schema.String
}) {}

/** What `Totp.verify` checks: a code against a secret, refusing steps at or before `afterStep`. */
export interface TotpVerifyInput {
  readonly secret: string | Redacted.Redacted<string>
  readonly code: string
  readonly afterStep?: number | null | undefined
  readonly options?: TotpOptions | undefined
}

/** What `Totp.keyUri` needs to build an `otpauth://totp/...` URI for authenticator apps. */
export interface TotpKeyUriInput {
  readonly secret: string | Redacted.Redacted<string>
  readonly account: string
  readonly issuer?: string | undefined
  readonly options?: TotpOptions | undefined
}

/** Sleeps (by `Clock`) until the time step after `step` has begun: how a client waits after its last code. */
export const waitForStepAfter = (step: number, period?: number): Effect.Effect<void> =>
  Effect.flatMap(
    Clock.currentTimeMillis,
    (now) => Effect.sleep(Duration.millis(millisUntilStepAfter(step, now, period)))
  )

const reveal = (secret: string | Redacted.Redacted<string>): string =>
  typeof secret === "string" ? secret : Redacted.value(secret)

/** A shared outcome as a `Result` of this edition's typed errors (built without a stack trace). */
const toResult = <A>(outcome: TotpOutcome<A>): Result.Result<A, InvalidOtp | TotpFormatError> => {
  switch (outcome._tag) {
    case "Ok":
      return Result.succeed(outcome.value)
    case "Format":
      return Result.fail(withoutStack(() => new TotpFormatError({ message: outcome.message }, { disableChecks: true })))
    case "Invalid":
      return Result.fail(withoutStack(() => new InvalidOtp({ message: INVALID_TOTP_MESSAGE }, { disableChecks: true })))
  }
}

/** The key bytes of a base32 secret, decoded as `oathtool -b` decodes it. */
export const decodeTotpSecret = (
  secret: string | Redacted.Redacted<string>
): Result.Result<Uint8Array, TotpFormatError> =>
  toResult(decodeBase32Secret(reveal(secret))) as Result.Result<Uint8Array, TotpFormatError>

/** The code of a base32 secret at a Unix time in seconds; pure and synchronous. */
export const totpAt = (
  secret: string | Redacted.Redacted<string>,
  epochSeconds: number,
  options?: TotpOptions
): Result.Result<string, TotpFormatError> =>
  toResult(totpCodeAt(reveal(secret), epochSeconds, options)) as Result.Result<string, TotpFormatError>

/** The TOTP service's operations. */
export interface TotpService {
  /** A fresh secret: 20 random bytes from `node:crypto`, base32 (RFC 4648) without padding. */
  readonly generateSecret: Effect.Effect<string>
  /** The code of `secret` at the current `Clock` time. */
  readonly generate: (
    secret: string | Redacted.Redacted<string>,
    options?: TotpOptions
  ) => Effect.Effect<string, TotpFormatError>
  /** Verifies `code` at the current `Clock` time within steps S-1..S+1, none at or before `afterStep`; the matched step. */
  readonly verify: (input: TotpVerifyInput) => Effect.Effect<number, InvalidOtp | TotpFormatError>
  /** The time step at the current `Clock` time: floor(seconds / period). */
  readonly currentStep: (options?: TotpOptions) => Effect.Effect<number>
  /** The `otpauth://totp/Issuer:account?...` URI that authenticator apps scan. */
  readonly keyUri: (input: TotpKeyUriInput) => string
}

/** The TOTP operations with time from Effect's `Clock`. */
const make: TotpService = {
  generateSecret: Effect.sync(generateTotpSecretText),
  generate: (secret, options) =>
    Effect.clockWith((clock) =>
      Effect.fromResult(totpAt(secret, epochSecondsOf(clock.currentTimeMillisUnsafe()), options))
    ),
  verify: (input) =>
    Effect.clockWith((clock) =>
      Effect.fromResult(
        toResult(
          totpVerifyAt({ ...input, secret: reveal(input.secret) }, epochSecondsOf(clock.currentTimeMillisUnsafe()))
        )
      )
    ),
  currentStep: (options) =>
    Effect.clockWith((clock) => {
      const step = totpStepAt(clock.currentTimeMillisUnsafe(), options?.period)
      return step === undefined
        ? Effect.die(new Error(`Totp.currentStep: invalid period ${options?.period}`))
        : Effect.succeed(step)
    }),
  keyUri: (input) => totpKeyUriOf({ ...input, secret: reveal(input.secret) })
}

/** The TOTP service: secrets, codes and verification, with time from Effect's `Clock` (`Totp.layer`). */
export class Totp extends Context.Service<Totp, TotpService>()("Rampart/Totp") {
  /** The service (it needs nothing: time comes from the `Clock` of each call). */
  static readonly layer: Layer.Layer<Totp> = Layer.succeed(Totp, make)
}
