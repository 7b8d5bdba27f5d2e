/**
 * No public service method requires anything of its caller's context (issue 24): every method and
 * value of every service `rampart/server` exports has `never` as its requirements, so a host's own
 * `SqlClient` in scope can never carry Rampart's statements. Checked by the compiler (`npm test`
 * type-checks this file); the runtime assertion keeps the list of services honest.
 */
import { describe, expect, expectTypeOf, it } from "@effect/vitest"
import type { Effect } from "effect"
import type {
  Accounts,
  Faults,
  IdTokens,
  OtpChallenges,
  OtpMethods,
  Partners,
  Passwords,
  Sandbox,
  SandboxClock,
  SecurityEvents,
  StepUp
} from "rampart/server"
import * as Server from "rampart/server"

/** The requirements of every effect a service offers, directly or as a method's result (`never` when none). */
type Requirements<S> = {
  [K in keyof S]: S[K] extends (...args: ReadonlyArray<any>) => Effect.Effect<any, any, infer R> ? R
    : S[K] extends Effect.Effect<any, any, infer R> ? R
    : never
}[keyof S]

describe("public services require nothing of their caller", () => {
  it("every method of every exported domain service has requirements never", () => {
    expectTypeOf<Requirements<Accounts>>().toEqualTypeOf<never>()
    expectTypeOf<Requirements<OtpChallenges>>().toEqualTypeOf<never>()
    expectTypeOf<Requirements<OtpMethods>>().toEqualTypeOf<never>()
    expectTypeOf<Requirements<StepUp>>().toEqualTypeOf<never>()
    expectTypeOf<Requirements<Partners>>().toEqualTypeOf<never>()
    expectTypeOf<Requirements<Sandbox>>().toEqualTypeOf<never>()
    // `withSandboxTime(effect)` runs the caller's effect: its requirements are that effect's own.
    expectTypeOf<Requirements<Omit<SandboxClock, "withSandboxTime">>>().toEqualTypeOf<never>()
    expectTypeOf<Requirements<Faults>>().toEqualTypeOf<never>()
    expectTypeOf<Requirements<IdTokens>>().toEqualTypeOf<never>()
    expectTypeOf<Requirements<Passwords>>().toEqualTypeOf<never>()
    // `subscribe` needs the caller's Scope by design (the subscription lives as long as it).
    expectTypeOf<Requirements<Omit<SecurityEvents, "subscribe">>>().toEqualTypeOf<never>()
    const checked = [
      Server.Accounts,
      Server.OtpChallenges,
      Server.OtpMethods,
      Server.StepUp,
      Server.Partners,
      Server.Sandbox,
      Server.SandboxClock,
      Server.Faults,
      Server.IdTokens,
      Server.Passwords,
      Server.SecurityEvents
    ]
    expect(checked.every((service) => typeof service === "function")).toBe(true)
  })
})
