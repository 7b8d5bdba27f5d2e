/**
 * cli-start: wall time of `rampart --help` (bin/rampart.mjs running the compiled dist/) against the
 * floor any Effect CLI pays (loading effect and @effect/cli, then exiting); median of 3 runs per
 * side and round, 6 rounds, on the server core.
 */
import { join } from "node:path"
import { interleave } from "../lib/Load.js"
import { cores, root, wallTimeMs } from "../lib/Processes.js"
import { measured } from "../lib/Report.js"
import { medianOfRuns } from "../lib/Stats.js"
import type { BenchItem } from "./Item.js"

/** The cli-start item. */
export const cliStart: BenchItem<void> = {
  name: "cli-start",
  run: async () => {
    // The floor any Effect CLI pays: loading effect and @effect/cli, then exiting.
    const floor = ["--input-type=module", "-e", "await import('effect'); await import('@effect/cli')"]
    const bin = join(root, "bin/rampart.mjs")
    const side = (args: ReadonlyArray<string>) => async () => ({
      value: await medianOfRuns(3, () => wallTimeMs(process.execPath, args, cores.server))
    })
    await side([bin, "--help"])()
    await side(floor)()
    const { rounds } = await interleave(6, side([bin, "--help"]), side(floor), "cli-start")
    return measured(
      "ms",
      { op: "<=", value: 1.5 },
      rounds,
      "wall time of `rampart --help` (bin/rampart.mjs, compiled dist/) vs `node -e \"await import('effect'); await import('@effect/cli')\"`; median of 3 runs per side and round, on the server core"
    )
  }
}
