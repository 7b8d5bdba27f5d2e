/**
 * client-overhead: calls/s of `POST /auth/otp/methods/totp` through `Session` (the package's
 * compiled client) against a raw `fetch` of the same request, one call at a time
 * (bench/workers/ClientOverhead.ts, on the load core), 8 rounds of `BENCH_SECONDS` per side.
 */
import { log } from "../lib/Log.js"
import { seconds } from "../lib/Options.js"
import { cores, runNode } from "../lib/Processes.js"
import { measured } from "../lib/Report.js"
import { buildOnce } from "../lib/Servers.js"
import type { Round } from "../lib/Stats.js"
import { seededEmail, seededPassword } from "../lib/Store.js"
import type { BenchItem } from "./Item.js"
import { rampart, type Shared } from "./Shared.js"

/** The client-overhead item. */
export const clientOverhead: BenchItem<Shared> = {
  name: "client-overhead",
  run: async (shared) => {
    await buildOnce()
    const out = JSON.parse(
      await runNode(
        "bench/workers/ClientOverhead.ts",
        [JSON.stringify({
          baseUrl: rampart(shared).url,
          email: seededEmail(1),
          password: seededPassword,
          rounds: 8,
          seconds
        })],
        cores.load
      )
    ) as { rounds: Array<Round>; client: string }
    for (const [i, r] of out.rounds.entries()) {
      log(
        `client-overhead round ${i + 1}/${out.rounds.length}: ours ${r.ours.toFixed(0)}, baseline ${
          r.baseline.toFixed(0)
        }`
      )
    }
    return measured(
      "calls/s",
      { op: ">=", value: 0.8 },
      out.rounds,
      `${out.client} of the compiled package (otp.createTotpSecret) vs raw fetch of POST /auth/otp/methods/totp, one call at a time, ${out.rounds.length} rounds of ${seconds} s per side`
    )
  }
}
