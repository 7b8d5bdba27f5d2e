/**
 * What a benchmark run reports: the printed table and notes, bench/results/latest.json
 * (`[{ name, ours, baseline, unit, ratio }]`), the details file (every round, spreads, extras) and,
 * after a full run with no failure, the table between the markers in docs/benchmarks.md. A
 * BENCH_ONLY run writes latest-only.json and latest-only-details.json and leaves the docs alone.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { availableParallelism } from "node:os"
import { join } from "node:path"
import { started } from "./Log.js"
import { only, seconds } from "./Options.js"
import { pinning, root } from "./Processes.js"
import { type Round, summarise } from "./Stats.js"

/** One line of latest.json. */
export interface Row {
  readonly name: string
  readonly ours: number
  readonly baseline: number
  readonly unit: string
  readonly ratio: number
}

/** What an item measured: a row without its name, and what the table and the details file say about it. */
export interface Measured extends Omit<Row, "name"> {
  readonly goal: string
  /** Whether the ratio meets the goal; undefined for an item that has none (e.g. install-size). */
  readonly met: boolean | undefined
  readonly spread: readonly [number, number]
  readonly note: string
  readonly rounds: ReadonlyArray<Round>
  readonly extra?: Record<string, unknown>
}

/** A measured item with its name. */
export interface Item extends Row, Measured {}

/** A ratio goal: `ratio >= value` or `ratio <= value`. */
export interface Goal {
  readonly op: ">=" | "<="
  readonly value: number
}

/** Summarises `rounds` (medians, ratio, spread) and checks the ratio against `goal` (none: reported only). */
export const measured = (
  unit: string,
  goal: Goal | undefined,
  rounds: ReadonlyArray<Round>,
  note: string,
  extra?: Record<string, unknown>
): Measured => {
  const s = summarise(rounds)
  const met = goal === undefined ? undefined : goal.op === ">=" ? s.ratio >= goal.value : s.ratio <= goal.value
  return {
    ours: s.ours,
    baseline: s.baseline,
    unit,
    ratio: s.ratio,
    goal: goal === undefined ? "none" : `${goal.op} ${goal.value}`,
    met,
    spread: s.spread,
    note,
    rounds,
    ...(extra ? { extra } : {})
  }
}

const format = (
  value: number
) => (Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 1 ? value.toFixed(2) : value.toFixed(3))

/** The markers in docs/benchmarks.md between which each full run writes its table. */
const docsMarkers = ["<!-- latest-table:start -->", "<!-- latest-table:end -->"] as const

/** Replaces the table in docs/benchmarks.md with this run's, when every benchmark ran (a partial run leaves it). */
const writeDocsTable = (
  items: ReadonlyArray<Item>,
  failures: ReadonlyArray<string>,
  header: ReadonlyArray<string>,
  lines: ReadonlyArray<ReadonlyArray<string>>
) => {
  if (only !== undefined || failures.length > 0) return
  const file = join(root, "docs/benchmarks.md")
  const text = readFileSync(file, "utf8")
  const [open, close] = docsMarkers
  const from = text.indexOf(open)
  const to = text.indexOf(close)
  if (from < 0 || to < from) return
  const row = (cells: ReadonlyArray<string>) => `| ${cells.join(" | ")} |`
  const table = [
    `Run of ${new Date().toISOString().slice(0, 10)}: Node ${process.version}, ${availableParallelism()} cores, ` +
    `${pinning ? "servers and load pinned to separate cores" : "not pinned"}, HTTP transport ${
      process.env["RAMPART_HTTP"] ?? "fast (default)"
    }, ` +
    `${seconds} s per side and round.`,
    "",
    row(header),
    row(header.map(() => "---")),
    ...lines.map(row),
    "",
    ...items.map((i) => `- ${i.name}: ${i.note}`)
  ].join("\n")
  writeFileSync(file, `${text.slice(0, from + open.length)}\n${table}\n${text.slice(to)}`)
}

/** Writes latest(-only).json and latest(-only)-details.json under bench/results; the rows file's name. */
const writeResults = (items: ReadonlyArray<Item>, failures: ReadonlyArray<string>): string => {
  const results = join(root, "bench/results")
  mkdirSync(results, { recursive: true })
  const rows: Array<Row> = items.map(({ baseline, name, ours, ratio, unit }) => ({ name, ours, baseline, unit, ratio }))
  // A BENCH_ONLY run does not replace the full run's results.
  const rowsFile = only === undefined ? "latest.json" : "latest-only.json"
  writeFileSync(join(results, rowsFile), JSON.stringify(rows, null, 2) + "\n")
  writeFileSync(
    join(results, only === undefined ? "latest-details.json" : "latest-only-details.json"),
    JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        pinning,
        secondsPerSide: seconds,
        env: {
          RAMPART_HTTP: process.env["RAMPART_HTTP"] ?? null,
          RAMPART_TRACING: process.env["RAMPART_TRACING"] ?? null
        },
        items,
        failures
      },
      null,
      2
    ) + "\n"
  )
  return rowsFile
}

/** Prints the table, the notes and the failures, then writes the results files and (full run) the docs table. */
export const report = (items: ReadonlyArray<Item>, failures: ReadonlyArray<string>): void => {
  const header = ["benchmark", "ours", "baseline", "unit", "ratio", "spread", "goal", "met"]
  const lines = items.map((i) => [
    i.name,
    format(i.ours),
    format(i.baseline),
    i.unit,
    i.ratio.toFixed(2),
    `${i.spread[0].toFixed(2)}–${i.spread[1].toFixed(2)}`,
    i.goal,
    i.met === undefined ? "—" : i.met ? "yes" : "NO"
  ])
  const widths = header.map((h, c) => Math.max(h.length, ...lines.map((l) => l[c]!.length)))
  const row = (cells: ReadonlyArray<string>) => cells.map((cell, c) => cell.padEnd(widths[c]!)).join("  ")
  console.log(row(header))
  console.log(widths.map((w) => "-".repeat(w)).join("  "))
  for (const l of lines) console.log(row(l))
  console.log("")
  for (const i of items) console.log(`${i.name}: ${i.note}`)
  for (const f of failures) console.log(`FAILED ${f}`)

  writeDocsTable(items, failures, header, lines)
  const rowsFile = writeResults(items, failures)
  console.log(
    `\nwrote bench/results/${rowsFile}${
      only === undefined && failures.length === 0 ? " and the table in docs/benchmarks.md" : ""
    } (${((Date.now() - started) / 1000).toFixed(0)} s)`
  )
}
