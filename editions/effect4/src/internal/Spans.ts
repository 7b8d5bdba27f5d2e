/**
 * Spans that cost nothing while the tracer is off: `Effect.withSpan` only when
 * `References.TracerEnabled` is on, `self` unchanged when it is not.
 */
import * as Effect from "effect/Effect"
import * as References from "effect/References"

/** `Effect.withSpan(name)` when the tracer is enabled; `self` unchanged when it is not. */
export const traced = (name: string) => <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.flatMap(Effect.service(References.TracerEnabled), (enabled) => enabled ? Effect.withSpan(self, name) : self)
