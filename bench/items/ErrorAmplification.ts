/**
 * error-amplification: the largest answer ÷ request bytes over the hostile requests of
 * bench/lib/WorstRequests.ts, sent to the shared Rampart server with a valid idToken.
 */
import { measured } from "../lib/Report.js"
import { seededEmail, seededPassword } from "../lib/Store.js"
import { requestBytes, sendWorst, worstRequests } from "../lib/WorstRequests.js"
import type { BenchItem } from "./Item.js"
import { rampart, type Shared } from "./Shared.js"

/** The error-amplification item. */
export const errorAmplification: BenchItem<Shared> = {
  name: "error-amplification",
  run: async (shared) => {
    const ours = rampart(shared)
    const login = await fetch(`${ours.url}/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: seededEmail(1), password: seededPassword })
    })
    const { idToken } = (await login.json()) as { idToken: string }
    // Production mode: no partner is seeded, so partner endpoints answer their 403 to a well-formed token.
    const requests = worstRequests({ idToken, accessToken: "A".repeat(43) })
    let worst = { answer: 0, request: 1, label: "" }
    for (const request of requests) {
      const answer = await sendWorst(ours.url, request)
      if (answer.bytes / requestBytes(request) > worst.answer / worst.request) {
        worst = { answer: answer.bytes, request: requestBytes(request), label: request.label }
      }
    }
    return measured(
      "bytes",
      { op: "<=", value: 1 },
      [{ ours: worst.answer, baseline: worst.request }],
      `answer body bytes ÷ request bytes (URL, header values, body) of the worst of ${requests.length} hostile requests (bench/lib/WorstRequests.ts): ${worst.label}`
    )
  }
}
