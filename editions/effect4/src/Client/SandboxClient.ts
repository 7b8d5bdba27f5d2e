/**
 * The typed client of the sandbox control plane (`/sandbox/*`, 404 in production): accounts,
 * delivered codes, time travel, reset, faults and security events — over `AuthClient`'s transport,
 * so its timeout and retry policy apply (reads are retried, writes never).
 *
 * It also keeps the client's view of sandbox time: `sandboxClock` is a `Clock` reading wall time +
 * the offset last seen from the server (`clock` and `advance` update it, `reset` puts it back to 0),
 * whose sleeps wake when sandbox time jumps past their end (`OffsetClock`). Wiring, innermost first:
 *
 * ```ts
 * program.pipe(
 *   Effect.provide(SandboxClient.layerClock),    // everything above runs on sandbox time
 *   Effect.provide(SandboxClient.layer),
 *   Effect.provide(AuthClient.layer({ baseUrl }))
 * )
 * ```
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as HttpApiClient from "effect/http-api/HttpApiClient"
import type * as HttpClientError from "effect/http/HttpClientError"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import type * as Schema from "effect/Schema"
import { RampartApi } from "../Api/RampartApi.js"
import type { NotFound } from "../Domain/Errors.js"
import {
  AdvanceClockRequest,
  CreateAccountRequest,
  CreatePartnerRequest,
  FaultRequest,
  type SandboxTime
} from "../Domain/Sandbox.js"
import { AuthClient, type RampartApiError } from "./AuthClient.js"
import { makeOffsetClock } from "./OffsetClock.js"

/** Why a sandbox call failed: 404 `NotFound` in production, or any failure every call may have. */
export type SandboxClientError = NotFound | RampartApiError | HttpClientError.HttpClientError | Schema.SchemaError

/** Builds the sandbox group client over `AuthClient`'s transport, and the clock that follows it. */
const make = Effect.gen(function*() {
  const { baseUrl, httpClient } = yield* AuthClient
  const sandbox = yield* HttpApiClient.group(RampartApi, { group: "sandbox", httpClient, baseUrl })
  const following = makeOffsetClock(yield* Effect.clockWith(Effect.succeed))
  /** Adopts the offset of a sandbox time the server answered. */
  const adopt = (time: SandboxTime) => Effect.as(following.setOffset(time.offsetSeconds * 1000), time)

  return {
    /** `GET /sandbox/clock`: sandbox time and its offset; `sandboxClock` adopts the offset. */
    clock: Effect.flatMap(sandbox.clock(), adopt),
    /** `POST /sandbox/clock`: moves sandbox time forward by `seconds`; `sandboxClock` follows. */
    advance: (seconds: number) =>
      Effect.flatMap(
        sandbox.advanceClock({
          payload: new AdvanceClockRequest({ advanceSeconds: seconds }, { disableChecks: true })
        }),
        adopt
      ),
    /** `POST /sandbox/reset`: empties the store, re-applies the seed, offset 0 (`sandboxClock` too), faults cleared. */
    reset: Effect.andThen(sandbox.reset({ payload: {} }), following.setOffset(0)),
    /** `POST /sandbox/users`: a user with a password (`AlreadyConfigured` when the email is taken). */
    createUser: (request: ConstructorParameters<typeof CreateAccountRequest>[0]) =>
      // Unchecked construction: bad input is a typed SchemaError when the request is encoded.
      sandbox.createUser({ payload: new CreateAccountRequest(request, { disableChecks: true }) }),
    /** `POST /sandbox/partners`: a partner with client credentials and a TOTP secret (given or generated). */
    createPartner: (request: ConstructorParameters<typeof CreatePartnerRequest>[0]) =>
      sandbox.createPartner({ payload: new CreatePartnerRequest(request, { disableChecks: true }) }),
    /** `GET /sandbox/accounts`: every user and partner, with each TOTP secret's current code. */
    accounts: sandbox.accounts(),
    /** `GET /sandbox/outbox`: codes delivered to `to` (an email or E.164 phone), or the latest to anyone; newest first. */
    outbox: (to?: string) => sandbox.outbox({ query: to === undefined ? {} : { to } }),
    /** `POST /sandbox/faults`: delays and/or fails the next `count` requests to `method` `path`; its id. */
    addFault: (fault: ConstructorParameters<typeof FaultRequest>[0]) =>
      sandbox.addFault({ payload: new FaultRequest(fault, { disableChecks: true }) }),
    /** `DELETE /sandbox/faults`: clears every fault. */
    clearFaults: sandbox.clearFaults(),
    /** `GET /sandbox/events`: security events with an id after `after` (all without it), oldest first, at most 500. */
    events: (after?: number) => sandbox.events({ query: after === undefined ? {} : { after } }),
    /** A `Clock` at sandbox time as last seen (wall time + offset); its sleeps wake when sandbox time jumps. */
    sandboxClock: following.clock
  }
})

/** The sandbox client's operations. */
export type SandboxClientService = Effect.Success<typeof make>

/** Sets `SandboxClient`'s `sandboxClock` as the `Clock`, after reading the offset (and re-reading it every `interval`). */
const clockLayer = (interval: Duration.Input | undefined): Layer.Layer<never, SandboxClientError, SandboxClient> =>
  Layer.unwrap(
    Effect.gen(function*() {
      const sandbox = yield* SandboxClient
      yield* sandbox.clock
      if (interval !== undefined) {
        const resync = sandbox.clock.pipe(
          Effect.catch((error) => Effect.logWarning(`SandboxClient: cannot re-read the sandbox clock (${error._tag})`))
        )
        // On the wall clock: the polling period is real time, whatever sandbox time does.
        const wall = yield* Effect.clockWith(Effect.succeed)
        yield* Effect.forkScoped(
          Effect.provideService(Effect.repeat(resync, Schedule.spaced(interval)), Clock.Clock, wall)
        )
      }
      return Layer.succeed(Clock.Clock, sandbox.sandboxClock)
    })
  )

/**
 * The sandbox control plane's typed client, over `AuthClient`: `clock`, `advance`, `reset`,
 * `createUser`, `createPartner`, `accounts`, `outbox`, `addFault`, `clearFaults`, `events`, and
 * the `sandboxClock` that follows sandbox time.
 */
export class SandboxClient extends Context.Service<SandboxClient, SandboxClientService>()(
  "Rampart/Client/SandboxClient"
) {
  /** The client over `AuthClient`. */
  static readonly layer: Layer.Layer<SandboxClient, never, AuthClient> = Layer.effect(SandboxClient, make)

  /** Runs everything built or run after it on `sandboxClock`, the offset read first (`GET /sandbox/clock`). */
  static readonly layerClock: Layer.Layer<never, SandboxClientError, SandboxClient> = clockLayer(undefined)

  /** `layerClock`, also re-reading the offset every `interval` of wall time (a failed read is logged). */
  static readonly layerClockPolling = (
    interval: Duration.Input
  ): Layer.Layer<never, SandboxClientError, SandboxClient> => clockLayer(interval)
}
