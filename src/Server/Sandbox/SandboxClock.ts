/**
 * Sandbox time: wall time plus a forward-only offset kept in the store (`sandbox_clock`), so every
 * instance on one store agrees and a restart keeps it. It is an Effect `Clock`: the server runs
 * every request of the sandbox under it (`withSandboxTime`), so each rule that reads `Clock` —
 * token `iat`/`exp` and their check, refresh-token and code lifetimes, resend spacing, the hourly
 * cap, lockouts, partner sessions, the TOTP step — reads sandbox time without knowing it. Sleeping
 * stays on wall time (a delay of 1 s is 1 s). Production never uses it.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import type * as SqlError from "@effect/sql/SqlError"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { SandboxTime } from "../../Domain/Sandbox.js"
import { shiftedClock } from "../../internal/ShiftedClock.js"
import { ownStoreService } from "../Store/Transaction.js"
import { SandboxClockRepo } from "./SandboxClockRepo.js"

/** The sandbox clock: its `Clock`, the offset in the store, and moving it. */
export class SandboxClock extends Effect.Service<SandboxClock>()("Rampart/Server/SandboxClock", {
  effect: Effect.gen(function*() {
    const repo = yield* SandboxClockRepo
    const sql = yield* SqlClient.SqlClient
    /** The offset last read from or written to the store; every reading of `clock` adds it. */
    let offsetMs = 0
    const offset = () => offsetMs
    const clock = shiftedClock(Clock.make(), offset)

    const adopt = (ms: number) => Effect.sync(() => (offsetMs = ms))
    const time = Effect.sync(() =>
      new SandboxTime({ now: new Date(clock.unsafeCurrentTimeMillis()), offsetSeconds: Math.floor(offsetMs / 1000) })
    )

    /** Reads the offset another instance (or a restart) may have moved; a store failure is a `SqlError`. */
    const sync = Effect.flatMap(Effect.catchTag(repo.offsetMs, "NoSuchElementException", Effect.die), adopt)

    /** Moves sandbox time forward by `seconds`, atomically in the store; the new time. */
    const advance = (seconds: number) =>
      Effect.flatMap(Effect.catchTag(repo.addMs(seconds * 1000), "NoSuchElementException", Effect.die), adopt).pipe(
        Effect.zipRight(time)
      )

    /** Puts sandbox time back on wall time (part of a reset, in the caller's transaction). */
    const resetOffset = repo.reset.pipe(Effect.zipRight(Effect.sync(() => (offsetMs = 0))))

    /** Runs `effect` on sandbox time (the `Clock` in place plus the offset, so `TestClock` still drives it), the offset read from the store first. */
    const withSandboxTime = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | SqlError.SqlError, R> =>
      Effect.zipRight(sync, Effect.clockWith((base) => Effect.withClock(effect, shiftedClock(base, offset))))

    // withSandboxTime runs the caller's effect: only the clock's own statements are kept on Rampart's store.
    return { clock, withSandboxTime, ...ownStoreService(sql, { time, sync, advance, resetOffset }) }
  }),
  dependencies: [SandboxClockRepo.Default]
}) {}

/**
 * Sandbox time for every fiber of the Layers built after it (for embedders running the domain
 * services in a sandbox without the HTTP server): `Layer.provide(layerSandboxTime)`; the offset
 * is read at start and follows `advance` in this process (re-read it with `sync` when another
 * process moves it).
 */
export const layerSandboxTime = Layer.unwrapEffect(
  Effect.map(
    SandboxClock,
    (sandboxClock) => Layer.merge(Layer.effectDiscard(sandboxClock.sync), Layer.setClock(sandboxClock.clock))
  )
)
