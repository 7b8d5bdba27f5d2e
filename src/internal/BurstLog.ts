/**
 * One log line per burst of like events (store failures, shed requests, dropped connections)
 * instead of one per event: the first is logged at once, then each window that saw more logs one
 * line with their count, until a window passes without any.
 */

/** What a burst log is told per event: a one-line detail, and how to write a line. */
export type BurstLog = (detail: string, write: (line: string) => void) => void

/** A burst log of events described by `what`, summing them per `windowMs`. */
export const makeBurstLog = (what: string, windowMs = 5_000): BurstLog => {
  let open = false
  let count = 0
  let last = ""
  let writer: (line: string) => void = () => {}
  const close = () => {
    if (count === 0) {
      open = false
      return
    }
    writer(`${what}: ${count} more in the last ${windowMs / 1000} s (last: ${last})`)
    count = 0
    setTimeout(close, windowMs).unref()
  }
  return (detail, write) => {
    writer = write
    last = detail
    if (open) {
      count++
      return
    }
    open = true
    write(`${what}: ${detail}`)
    setTimeout(close, windowMs).unref()
  }
}
