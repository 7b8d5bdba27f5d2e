import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Layer, Option, Tracer } from "effect"
import { traced } from "../../src/internal/Spans.js"

/** The default tracer, also recording the name, parent and attributes of every span it makes. */
const recording = () => {
  const spans: Array<{ name: string; parent: string | undefined; attributes: Record<string, unknown> }> = []
  const layer = Layer.unwrapEffect(
    Effect.map(Effect.tracer, (base) =>
      Layer.setTracer(
        Tracer.make({
          span: (name, parent, context, links, startTime, kind, options) => {
            spans.push({
              name,
              parent: Option.getOrUndefined(Option.map(parent, (p) => (p._tag === "Span" ? p.name : p.spanId))),
              attributes: { ...options?.attributes }
            })
            return base.span(name, parent, context, links, startTime, kind, options)
          },
          context: base.context
        })
      ))
  )
  return { spans, layer }
}

describe("traced", () => {
  it.effect("records a span, with its attributes and parent, while the tracer is on", () => {
    const { layer, spans } = recording()
    return Effect.gen(function*() {
      const value = yield* Effect.succeed(42).pipe(
        traced("inner", { attributes: { channel: "EMAIL" } }),
        traced("outer")
      )
      expect(value).toBe(42)
      expect(spans.map((s) => s.name).sort()).toEqual(["inner", "outer"])
      expect(spans.find((s) => s.name === "inner")).toMatchObject({ parent: "outer", attributes: { channel: "EMAIL" } })
    }).pipe(Effect.provide(layer))
  })

  it.effect("records nothing and changes nothing while the tracer is off", () => {
    const { layer, spans } = recording()
    return Effect.gen(function*() {
      const value = yield* Effect.succeed("v").pipe(traced("a"))
      const failed = yield* Effect.exit(Effect.fail("no").pipe(traced("b")))
      expect(value).toBe("v")
      expect(failed).toEqual(Exit.fail("no"))
      expect(spans).toEqual([])
    }).pipe(Effect.withTracerEnabled(false), Effect.provide(layer))
  })
})
