/** The shape of a benchmark item module: its name (as BENCH_ONLY spells it) and how it measures. */
import type { Measured } from "../lib/Report.js"

/** One benchmark item; `run` gets what the run prepared for it (see Shared.ts) and resolves with what it measured. */
export interface BenchItem<In> {
  readonly name: string
  readonly run: (input: In) => Promise<Measured>
}
