/** Progress lines of a benchmark run on stderr, stamped with the seconds since the run started. */

/** When this run started (ms since the epoch). */
export const started = Date.now()

/** Writes `[bench  12 s] message` to stderr. */
export const log = (message: string): void => {
  process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${message}\n`)
}
