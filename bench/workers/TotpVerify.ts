/**
 * totp-verify (run pinned to one core by the caller): verifications per second of Rampart's `Totp`
 * service (`Totp.verify`, composed in one fiber as a handler would run it) against a direct
 * otplib `verifySync` with the same window (±1 step: `epochTolerance` = one 30 s period) and
 * otplib's default plugins, on the same secret and a currently valid code. The two are interleaved
 * in `rounds` rounds of `seconds` each, order alternating. Prints `{ rounds: [{ ours, baseline }] }` (verifications/s).
 */
import { Effect } from "effect"
import { generateSync, verifySync } from "otplib"
import { Totp } from "../../src/Totp.js"

interface TotpOptions {
  readonly rounds: number
  readonly seconds: number
}

const options = JSON.parse(process.argv[2] ?? "{\"rounds\":5,\"seconds\":0.6}") as TotpOptions
const secret = Effect.runSync(Effect.provide(Totp.generateSecret, Totp.Default))
const code = generateSync({ secret, epoch: Math.floor(Date.now() / 1000) })
const batch = 500

/** Rampart: `Totp.verify` in one fiber, batches of 500 per clock check. */
const ours = (seconds: number) =>
  Effect.runPromise(
    Effect.gen(function*() {
      const totp = yield* Totp
      let count = 0
      const start = performance.now()
      const deadline = start + seconds * 1000
      while (performance.now() < deadline) {
        for (let i = 0; i < batch; i++) yield* totp.verify({ secret, code })
        count += batch
      }
      return count / ((performance.now() - start) / 1000)
    }).pipe(Effect.provide(Totp.Default))
  )

/** otplib directly: `verifySync` with the same ±1 step window, default plugins. */
const baseline = (seconds: number) => {
  let count = 0
  const start = performance.now()
  const deadline = start + seconds * 1000
  while (performance.now() < deadline) {
    for (let i = 0; i < batch; i++) {
      const result = verifySync({ secret, token: code, epoch: Math.floor(Date.now() / 1000), epochTolerance: 30 })
      if (!result.valid) throw new Error("otplib refused a valid code")
    }
    count += batch
  }
  return count / ((performance.now() - start) / 1000)
}

// Both must accept the code before anything is timed.
await Effect.runPromise(Effect.provide(Effect.flatMap(Totp, (t) => t.verify({ secret, code })), Totp.Default))
await ours(0.3)
baseline(0.3)
const rounds: Array<{ ours: number; baseline: number }> = []
for (let r = 0; r < options.rounds; r++) {
  // Alternating order (A B, B A, ...), so neither side always runs first.
  if (r % 2 === 0) {
    const a = await ours(options.seconds)
    rounds.push({ ours: a, baseline: baseline(options.seconds) })
  } else {
    const b = baseline(options.seconds)
    rounds.push({ ours: await ours(options.seconds), baseline: b })
  }
}
process.stdout.write(JSON.stringify({ rounds }) + "\n")
