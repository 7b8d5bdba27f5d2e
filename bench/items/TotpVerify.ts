/** totp-verify: `Totp.verify` in one fiber against otplib `verifySync` (bench/workers/TotpVerify.ts, on the server core). */
import { cores, runNode } from "../lib/Processes.js"
import { measured } from "../lib/Report.js"
import type { Round } from "../lib/Stats.js"
import type { BenchItem } from "./Item.js"

/** The totp-verify item. */
export const totpVerify: BenchItem<void> = {
  name: "totp-verify",
  run: async () => {
    const out = JSON.parse(
      await runNode("bench/workers/TotpVerify.ts", [JSON.stringify({ rounds: 6, seconds: 0.6 })], cores.server)
    ) as { rounds: Array<Round> }
    return measured(
      "verifies/s",
      { op: ">=", value: 0.9 },
      out.rounds,
      "Totp.verify in one fiber vs otplib verifySync (default plugins), window ±1 step"
    )
  }
}
