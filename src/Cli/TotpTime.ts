/**
 * The `--now` of `rampart totp`: `@<unix seconds>` or an ISO-8601 date-time, read the way oathtool's
 * `--now` (gnulib `parse_datetime`) reads the same text, so both print the same code.
 *
 * Accepted: `@1767225600` (a fraction is ignored), `2026-01-01`, `2026-01-01T00:00`,
 * `2026-01-01T00:00:00.5` (`T`, `t` or a space; `.` or `,` before the fraction), each optionally
 * followed by `Z` or an offset `+01`, `+0100`, `+01:00` (at most 24 hours). Without a zone the time
 * is local (the `TZ` environment variable), like oathtool; a local time that does not exist or
 * exists twice (daylight-saving changes) is refused rather than guessed. Times before 1970 and
 * after 9999-12-31T23:59:59Z are refused.
 */
import * as Either from "effect/Either"
import { CliError } from "./CliError.js"

/** The last second `--now` accepts: 9999-12-31T23:59:59Z. */
export const MAX_NOW_SECONDS = 253_402_300_799n

const UNIX = /^@\s*([+-]?\d+)(?:[.,]\d+)?$/
const ISO =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[Tt ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?(?:\s*(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?))?$/

const fail = (text: string, why: string) =>
  Either.left(new CliError({ message: `--now ${JSON.stringify(text)}: ${why}` }))

const inRange = (text: string, seconds: bigint): Either.Either<bigint, CliError> =>
  seconds < 0n
    ? fail(text, "times before 1970-01-01T00:00:00Z are not supported")
    : seconds > MAX_NOW_SECONDS
    ? fail(text, "times after 9999-12-31T23:59:59Z are not supported")
    : Either.right(seconds)

const daysInMonth = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate()

/** Minutes east of UTC of the local zone at `millis`. */
const localOffsetMinutes = (millis: number): number => -new Date(millis).getTimezoneOffset()

/**
 * The instants whose local wall-clock time is `wallMillis` (a wall time written as if it were UTC):
 * none in a spring-forward gap, two in a fall-back overlap, otherwise one.
 */
const localInstants = (wallMillis: number): ReadonlyArray<number> => {
  const day = 86_400_000
  const offsets = new Set([wallMillis - day, wallMillis, wallMillis + day].map(localOffsetMinutes))
  const instants = new Set<number>()
  for (const offset of offsets) {
    const instant = wallMillis - offset * 60_000
    if (localOffsetMinutes(instant) === offset) instants.add(instant)
  }
  return [...instants]
}

/** Whole Unix seconds of a `--now` value (see the module comment for the accepted forms). */
export const parseNow = (text: string): Either.Either<bigint, CliError> => {
  const trimmed = text.trim()
  const unix = UNIX.exec(trimmed)
  if (unix !== null) return inRange(text, BigInt(unix[1]!))
  const iso = ISO.exec(trimmed)
  if (iso === null) return fail(text, "expected ISO-8601 (e.g. 2026-01-01T00:00:00Z) or @unix-seconds")
  const [, y, mo, d, h = "0", mi = "0", s = "0", zulu, sign, oh, om = "0"] = iso
  const year = Number(y)
  const month = Number(mo)
  const date = Number(d)
  const hour = Number(h)
  const minute = Number(mi)
  const second = Number(s)
  if (month < 1 || month > 12 || date < 1 || date > daysInMonth(year, month)) return fail(text, "no such date")
  if (hour > 23 || minute > 59 || second > 59) return fail(text, "no such time of day")
  const wall = new Date(0)
  wall.setUTCFullYear(year, month - 1, date)
  wall.setUTCHours(hour, minute, second, 0)
  const wallMillis = wall.getTime()
  if (zulu !== undefined || sign !== undefined) {
    const offset = sign === undefined ? 0 : (sign === "-" ? -1 : 1) * (Number(oh) * 60 + Number(om))
    if (Number(om) > 59 || Math.abs(offset) > 24 * 60) return fail(text, "the UTC offset is out of range")
    return inRange(text, BigInt(Math.floor(wallMillis / 1000) - offset * 60))
  }
  const instants = localInstants(wallMillis)
  if (instants.length === 0) {
    return fail(text, "this local time does not exist (daylight-saving change); add Z or an offset")
  }
  if (instants.length > 1) {
    return fail(text, "this local time happens twice (daylight-saving change); add Z or an offset")
  }
  return inRange(text, BigInt(Math.floor(instants[0]! / 1000)))
}
