/**
 * TOTP (RFC 6238) with time from Effect's `Clock`: secrets, codes, verification with a ±1 step
 * window and the RFC 6238 §5.2 replay rule, and `otpauth://` key URIs. `TestClock` drives every
 * step in tests. The one TOTP service of the package: the server, the client sessions and the
 * `rampart totp` command all use it.
 *
 * The arithmetic (base32 as `oathtool --totp -b` reads it, codes, the window, key URIs) is
 * `src/Shared/TotpMath.ts`, written once for both editions; this module adds the `Clock`, `Redacted`
 * secrets and the typed errors. The hot path (`verify`) stays synchronous inside one
 * `Effect.clockWith`. Malformed codes and secrets are typed `TotpFormatError`s, never defects.
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { InvalidOtp } from "./Domain/Errors.js"
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
} from "./Shared/TotpMath.js"

export { MAX_TOTP_PERIOD, millisUntilStepAfter, TOTP_PERIOD_SECONDS } from "./Shared/TotpMath.js"
export type { TotpAlgorithm, TotpOptions } from "./Shared/TotpMath.js"

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

/**
 * Sleeps (by `Clock`) until the time step after `step` has begun, so a code made then is not
 * refused as a reuse of `step` (RFC 6238 §5.2): how a client waits after its last code.
 */
export const waitForStepAfter = (step: number, period?: number): Effect.Effect<void> =>
  Effect.flatMap(
    Clock.currentTimeMillis,
    (now) => Effect.sleep(Duration.millis(millisUntilStepAfter(step, now, period)))
  )

const reveal = (secret: string | Redacted.Redacted<string>): string =>
  typeof secret === "string" ? secret : Redacted.value(secret)

/** A shared outcome as an `Either` of this edition's typed errors (built without a stack trace). */
const toEither = <A>(outcome: TotpOutcome<A>): Either.Either<A, InvalidOtp | TotpFormatError> => {
  switch (outcome._tag) {
    case "Ok":
      return Either.right(outcome.value)
    case "Format":
      return Either.left(withoutStack(() => new TotpFormatError({ message: outcome.message }, true)))
    case "Invalid":
      return Either.left(withoutStack(() => new InvalidOtp({ message: INVALID_TOTP_MESSAGE }, true)))
  }
}

/**
 * The key bytes of a base32 secret, decoded as `oathtool -b` decodes it: spaces dropped, ASCII
 * letters upper-cased, missing `=` padding added where RFC 4648 allows it, then strict decoding.
 */
export const decodeTotpSecret = (
  secret: string | Redacted.Redacted<string>
): Either.Either<Uint8Array, TotpFormatError> =>
  toEither(decodeBase32Secret(reveal(secret))) as Either.Either<Uint8Array, TotpFormatError>

/** The code of a base32 secret at a Unix time in seconds; pure and synchronous (for the CLI). */
export const totpAt = (
  secret: string | Redacted.Redacted<string>,
  epochSeconds: number,
  options?: TotpOptions
): Either.Either<string, TotpFormatError> =>
  toEither(totpCodeAt(reveal(secret), epochSeconds, options)) as Either.Either<string, TotpFormatError>

/** The TOTP service: secrets, codes and verification, with time from Effect's `Clock`. */
export class Totp extends Effect.Service<Totp>()("Rampart/Totp", {
  accessors: true,
  succeed: {
    /** A fresh secret: 20 random bytes from `node:crypto`, base32 (RFC 4648) without padding. */
    generateSecret: Effect.sync(generateTotpSecretText),

    /** The code of `secret` at the current `Clock` time. */
    generate: (
      secret: string | Redacted.Redacted<string>,
      options?: TotpOptions
    ): Effect.Effect<string, TotpFormatError> =>
      Effect.clockWith((clock) => totpAt(secret, epochSecondsOf(clock.unsafeCurrentTimeMillis()), options)),

    /**
     * Verifies `code` at the current `Clock` time within steps S-1..S+1, refusing any step at or
     * before `afterStep` (RFC 6238 §5.2); succeeds with the matched time step. No span of its own:
     * one measured ~20 µs of CPU on the 2-core dev box, a third of a verify; callers' spans cover it.
     */
    verify: (input: TotpVerifyInput): Effect.Effect<number, InvalidOtp | TotpFormatError> =>
      Effect.clockWith((clock) =>
        toEither(
          totpVerifyAt({ ...input, secret: reveal(input.secret) }, epochSecondsOf(clock.unsafeCurrentTimeMillis()))
        )
      ),

    /** The time step at the current `Clock` time: floor(seconds / period). */
    currentStep: (options?: TotpOptions): Effect.Effect<number> =>
      Effect.clockWith((clock) => {
        const step = totpStepAt(clock.unsafeCurrentTimeMillis(), options?.period)
        return step === undefined
          ? Effect.dieMessage(`Totp.currentStep: invalid period ${options?.period}`)
          : Effect.succeed(step)
      }),

    /** The `otpauth://totp/Issuer:account?...` URI that authenticator apps scan. */
    keyUri: (input: TotpKeyUriInput): string => totpKeyUriOf({ ...input, secret: reveal(input.secret) })
  }
}) {}
