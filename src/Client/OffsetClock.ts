/**
 * A `Clock` that reads a base clock plus an offset the program moves (the client's view of sandbox
 * time: wall time + the offset last seen from `GET /sandbox/clock`).
 *
 * Its `sleep(d)` ends when *its* time reaches "now + d", not when `d` of base time has passed: a
 * sleeper waits on the base clock for the time left and is woken whenever the offset moves, then
 * re-checks. So a fiber sleeping until a token is due (`TokenKeeper`'s background renewal) wakes
 * as soon as the offset jumps past that moment. The same holds for every sleep under this clock:
 * timeouts, retry delays and `Schedule`s end early when the offset jumps past their end, exactly as
 * if that much time had passed (`AuthClient` keeps its own on the clock it was built with).
 */
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import { shiftedClock } from "../internal/ShiftedClock.js"

/** A clock whose time is a base clock's plus an offset that can be moved. */
export interface OffsetClock {
  /** The `Clock`: base time + offset; its sleeps wake when the offset moves past their end. */
  readonly clock: Clock.Clock
  /** The current offset, in milliseconds. */
  readonly offsetMillis: Effect.Effect<number>
  /** Sets the offset (forward or back) and wakes every sleeper to re-check its end. */
  readonly setOffset: (millis: number) => Effect.Effect<void>
}

/** An `OffsetClock` over `base` (the live clock by default), starting at `initialOffsetMillis`. */
export const makeOffsetClock = (base: Clock.Clock = Clock.make(), initialOffsetMillis = 0): OffsetClock => {
  let offset = initialOffsetMillis
  /** Completed (and replaced) whenever the offset moves. */
  let moved = Deferred.unsafeMake<void>(FiberId.none)
  const now = () => base.unsafeCurrentTimeMillis() + offset

  /** Sleeps on `base` for the time left until `target`, woken early by a move, until `target` is reached. */
  const sleepUntil = (target: number): Effect.Effect<void> =>
    Effect.suspend(() => {
      const left = target - now()
      if (left <= 0) return Effect.void
      return Effect.raceFirst(base.sleep(Duration.millis(left)), Deferred.await(moved)).pipe(
        Effect.zipRight(sleepUntil(target))
      )
    })

  const shifted = shiftedClock(base, () => offset)
  const clock: Clock.Clock = {
    ...shifted,
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
      moved = Deferred.unsafeMake<void>(FiberId.none)
      Deferred.unsafeDone(previous, Exit.void)
    })

  return { clock, offsetMillis: Effect.sync(() => offset), setOffset }
}
