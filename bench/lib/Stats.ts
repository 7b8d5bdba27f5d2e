/** Small statistics for interleaved rounds. */

/** The median (mean of the middle two for an even count). */
export const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/** The median of `count` runs of `measure`, one after the other. */
export const medianOfRuns = async (count: number, measure: () => Promise<number>): Promise<number> => {
  const values: Array<number> = []
  for (let i = 0; i < count; i++) values.push(await measure())
  return median(values)
}

/** Smallest and largest value. */
export const range = (
  values: ReadonlyArray<number>
): readonly [number, number] => [Math.min(...values), Math.max(...values)]

/** One round of an interleaved comparison. */
export interface Round {
  readonly ours: number
  readonly baseline: number
}

/** Medians of both sides, the median of the per-round ratios and their range. */
export const summarise = (rounds: ReadonlyArray<Round>) => {
  const ratios = rounds.map((r) => r.ours / r.baseline)
  return {
    ours: median(rounds.map((r) => r.ours)),
    baseline: median(rounds.map((r) => r.baseline)),
    ratio: median(ratios),
    spread: range(ratios)
  }
}
