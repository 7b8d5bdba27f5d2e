/**
 * Spans that cost nothing while the tracer is off. `Effect.withSpan` provides its span to the
 * context even when the tracer is disabled and the span is a no-op, and providing copies the fiber's
 * whole context (every service of the server): ~15–25 µs per span on the refresh path.
 */
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import type * as Tracer from "effect/Tracer"

/** `Effect.withSpan(name, options)` (without a stack capture) when the tracer is enabled; `self` unchanged when it is not. */
export const traced =
  (name: string, options?: Omit<Tracer.SpanOptions, "captureStackTrace">) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.withFiberRuntime<A, E, R>((fiber) =>
      fiber.getFiberRef(FiberRef.currentTracerEnabled)
        ? Effect.withSpan(self, name, { ...options, captureStackTrace: false })
        : self
    )
