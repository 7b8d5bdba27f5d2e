/**
 * login-rps: `POST /auth/login` logins/s of Rampart (8 connections) against raw `@node-rs/argon2`
 * verifications of the same PHC string (bench/workers/Argon2Raw.ts, 4 in flight), both on the
 * server core.
 */
import { interleave, load } from "../lib/Load.js"
import { seconds } from "../lib/Options.js"
import { cores, runNode } from "../lib/Processes.js"
import { measured } from "../lib/Report.js"
import { seededEmail, seededPassword } from "../lib/Store.js"
import type { BenchItem } from "./Item.js"
import { rampart, type Shared } from "./Shared.js"

/** The login-rps item. */
export const loginRps: BenchItem<Shared> = {
  name: "login-rps",
  run: async (shared) => {
    const ours = rampart(shared)
    const bodies = shared.smallSeed.tokens.map((_, i) =>
      JSON.stringify({ email: seededEmail(i + 1), password: seededPassword })
    )
    const connections = 8
    await load(ours.url, "/auth/login", bodies, connections, 2)
    const run = async () => ({ value: (await load(ours.url, "/auth/login", bodies, connections, seconds)).rps })
    // Same core as the server, same Argon2id parameters (the seeded PHC string), 4 in flight (libuv's pool).
    const raw = async () => {
      const out = JSON.parse(
        await runNode("bench/workers/Argon2Raw.ts", [
          JSON.stringify({ phc: shared.phc, password: seededPassword, seconds, concurrency: 4 })
        ], cores.server)
      ) as { rate: number }
      return { value: out.rate }
    }
    const { rounds } = await interleave(3, run, raw, "login-rps")
    return measured(
      "logins/s",
      { op: ">=", value: 0.9 },
      rounds,
      "Argon2id m=19456 KiB, t=2, p=1; both on the server core; baseline: 4 raw verifications in flight"
    )
  }
}
