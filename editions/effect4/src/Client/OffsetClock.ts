/**
 * A `Clock` that reads a base clock plus an offset the program moves (the client's view of sandbox
 * time: wall time + the offset last seen from `GET /sandbox/clock`).
 *
 * Its `sleep(d)` ends when *its* time reaches "now + d", not when `d` of base time has passed: a
 * sleeper waits on the base clock for the time left and is woken whenever the offset moves, then
 * re-checks. So a fiber sleeping until a token is due (`TokenKeeper`'s background renewal) wakes
 * as soon as the offset jumps past that moment.
 */
import type * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"

/** A clock whose time is a base clock's plus an offset that can be moved. */
export interface OffsetClock {
  /** The `Clock`: base time + offset; its sleeps wake when the offset moves past their end. */
  readonly clock: Clock.Clock
  /** The current offset, in milliseconds. */
  readonly offsetMillis: Effect.Effect<number>
  /** Sets the offset (forward or back) and wakes every sleeper to re-check its end. */
  readonly setOffset: (millis: number) => Effect.Effect<void>
}

/** An `OffsetClock` over `base`, starting at `initialOffsetMillis`. */
export const makeOffsetClock = (base: Clock.Clock, initialOffsetMillis = 0): OffsetClock => {
  let offset = initialOffsetMillis
  /** Completed (and replaced) whenever the offset moves. */
  let moved = Deferred.makeUnsafe<void>()
  const now = () => base.currentTimeMillisUnsafe() + offset

  /** Sleeps on `base` for the time left until `target`, woken early by a move, until `target` is reached. */
  const sleepUntil = (target: number): Effect.Effect<void> =>
    Effect.suspend(() => {
      const left = target - now()
      if (left <= 0) return Effect.void
      return Effect.raceFirst(base.sleep(Duration.millis(left)), Deferred.await(moved)).pipe(
        Effect.andThen(sleepUntil(target))
      )
    })

  const clock: Clock.Clock = {
    currentTimeMillisUnsafe: now,
    currentTimeMillis: Effect.sync(now),
    currentTimeNanosUnsafe: () => base.currentTimeNanosUnsafe() + BigInt(offset) * 1_000_000n,
    currentTimeNanos: Effect.sync(() => base.currentTimeNanosUnsafe() + BigInt(offset) * 1_000_000n),
    monotonicTimeNanosUnsafe: () => base.monotonicTimeNanosUnsafe(),
    monotonicTimeNanos: base.monotonicTimeNanos,
    sleep: (duration) =>
      Duration.isFinite(duration)
        ? Effect.suspend(() => sleepUntil(now() + Duration.toMillis(duration)))
        : base.sleep(duration)
  }

  const setOffset = (millis: number) =>
    Effect.sync(() => {
      if (millis === offset) return
      offset = millis
      const previous = moved
      moved = Deferred.makeUnsafe<void>()
      Deferred.doneUnsafe(previous, Effect.void)
    })

  return { clock, offsetMillis: Effect.sync(() => offset), setOffset }
}
