/**
 * Every schema the entry `rampart` exports has an Arbitrary that draws valid values quickly (issue
 * 24): `it.prop` over any of them terminates. Drawn in a child process with a wall-clock bound,
 * because a filter that rejects every draw hangs synchronously, which no in-process timeout stops.
 */
import { describe, expect, it } from "@effect/vitest"
import { fileURLToPath } from "node:url"
import { Country, SmsMethodRequest } from "rampart"
import { runProcess } from "../support/Cli.js"

const script = fileURLToPath(new URL("../support/SampleSchemas.ts", import.meta.url))

describe("exported schemas have quick arbitraries", () => {
  it("50 valid values of every exported schema, each within 2 s, all within 60 s", async () => {
    const run = await runProcess(process.execPath, ["--import", "tsx", script], { timeoutMs: 60_000 })
    const lines = run.stdout.trim().split("\n")
    const hung = lines.at(-1)?.startsWith("start ") ? lines.at(-1)!.slice(6) : undefined
    expect(hung, `drawing values of ${hung} did not end`).toBeUndefined()
    expect(run.status, run.stderr).toBe(0)
    expect(lines.filter((line) => line.startsWith("invalid "))).toEqual([])
    const timings = lines.filter((line) => line.startsWith("ok ")).map((line) => line.split(" "))
    expect(timings.length).toBeGreaterThan(20)
    expect(timings.filter(([, , ms]) => Number(ms) > 2_000)).toEqual([])
    expect(lines.at(-1)).toBe("done")
  }, 90_000)

  it.prop(
    "it.prop over SmsMethodRequest and Country terminates with valid pairs",
    [SmsMethodRequest, Country],
    ([request, country]) => {
      expect(request.phone.length).toBeGreaterThan(0)
      expect(country).toMatch(/^[A-Z0-9]{2}$/)
    }
  )
})
