/**
 * The options of one `npm run bench` run, from the environment (docs/benchmarks.md, "Reproduce").
 */

/** Length in seconds of one timed side of a round (`BENCH_SECONDS`, default 3). */
export const seconds = Number(process.env["BENCH_SECONDS"] ?? 3)

/** The item names of a partial run (`BENCH_ONLY`, comma-separated); undefined for a full run. */
export const only = process.env["BENCH_ONLY"]?.split(",").map((s) => s.trim())

/** Whether item `name` runs this time. */
export const wanted = (name: string): boolean => only === undefined || only.includes(name)

/** PostgreSQL admin URL for pg-scale-out (`RAMPART_BENCH_DATABASE_URL`, else `RAMPART_TEST_DATABASE_URL`, else the local default). */
export const pgAdminUrl = process.env["RAMPART_BENCH_DATABASE_URL"] ??
  process.env["RAMPART_TEST_DATABASE_URL"] ??
  "postgres://postgres@127.0.0.1:55432/rampart_test"
