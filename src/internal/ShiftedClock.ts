/**
 * A `Clock` that reads another clock plus an offset: the shape both sides of sandbox time share
 * (the server's `SandboxClock`, the client's `OffsetClock`). Sleeping is the base clock's.
 */
import * as Clock from "effect/Clock"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"

/** A `Clock` `offset()` milliseconds ahead of `base`; sleeps are `base`'s. */
export const shiftedClock = (base: Clock.Clock, offset: () => number): Clock.Clock => ({
  [Clock.ClockTypeId]: Clock.ClockTypeId,
  unsafeCurrentTimeMillis: () => base.unsafeCurrentTimeMillis() + offset(),
  currentTimeMillis: Effect.sync(() => base.unsafeCurrentTimeMillis() + offset()),
  unsafeCurrentTimeNanos: () => base.unsafeCurrentTimeNanos() + BigInt(offset()) * 1_000_000n,
  currentTimeNanos: Effect.sync(() => base.unsafeCurrentTimeNanos() + BigInt(offset()) * 1_000_000n),
  sleep: (duration: Duration.Duration) => base.sleep(duration)
})
