/** Every recipe in docs/recipes/ is backed by a file under examples/ that runs here. */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { runEmbedded } from "../../examples/embed-domain-layers.js"
import { codeExpiryScenario, layerSandbox } from "../../examples/testing-with-testclock.js"
import { storeKinds } from "../support/Stores.js"

describe("recipe: embedding the domain Layers", () => {
  it.each(storeKinds)("runs on %s", async (_kind, fresh) => {
    const result = await Effect.runPromise(runEmbedded(await fresh()))
    expect(result.profile.lastLoggedDevice).toBe("billing-service/1.0")
    expect(result.status.channel).toBe("EMAIL")
    expect(result.code).toMatch(/^[0-9]{6}$/)
  })
})

describe("recipe: testing with TestClock", () => {
  it.effect("a code expires at 5:00 and resends wait 60 s", () =>
    Effect.gen(function* () {
      const { expired, tooSoon } = yield* codeExpiryScenario
      expect(tooSoon).toMatchObject({ _tag: "AttemptsExhausted", retryAfterSeconds: 50 })
      expect(expired._tag).toBe("InvalidOtp")
    }).pipe(Effect.provide(layerSandbox))
  )
})
