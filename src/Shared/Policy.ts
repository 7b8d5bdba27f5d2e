/**
 * The numbers of Rampart's security rules and the pure decisions built on them: code lifetime,
 * attempt budgets, resend spacing, lockouts. No I/O; times are Unix milliseconds.
 */

/** Every limit of SPEC's security section, in one place. */
export const Limits = {
  /** An SMS/EMAIL code is valid for 5 minutes. */
  codeTtlMs: 5 * 60_000,
  /** At most 5 wrong tries per code; then the code is dead. */
  codeMaxAttempts: 5,
  /** At least 60 s between two sends on one channel. */
  resendSpacingMs: 60_000,
  /** At most 5 sends per channel per rolling hour. */
  sendsPerWindow: 5,
  /** The rolling window of `sendsPerWindow`. */
  sendWindowMs: 60 * 60_000,
  /** Consecutive failures that lock OTP verification, password login or a partner client. */
  lockThreshold: 10,
  /** How long a lock lasts. */
  lockMs: 15 * 60_000,
  /** Absolute lifetime of a refresh token: 30 days. */
  refreshTokenTtlMs: 30 * 24 * 60 * 60_000,
  /** Lifetime of an idToken in seconds. */
  idTokenTtlSeconds: 3600,
  /** The longest `User-Agent` kept as `lastLoggedDevice`. */
  deviceMaxLength: 256,
  /** Live refresh tokens kept per user: a login beyond them revokes the oldest. */
  liveRefreshTokensPerUser: 100,
  /** Outbox messages (sandbox) are kept this long. */
  outboxRetentionMs: 24 * 60 * 60_000,
  /** The most rows one pruning statement deletes (each its own short statement). */
  pruneBatch: 500
} as const

/** Whole seconds from `now` until `until`, rounded up, never negative. */
export const secondsUntil = (until: number, now: number): number => Math.max(0, Math.ceil((until - now) / 1000))

/** Seconds left on a lock, or `undefined` when there is no lock in force at `now` (open at exactly `until`). */
export const lockRemaining = (lockedUntil: number | null, now: number): number | undefined =>
  lockedUntil !== null && lockedUntil > now ? secondsUntil(lockedUntil, now) : undefined

/**
 * May a code be sent now on a channel whose recent send times (ms, any order) are given?
 * Returns `undefined` when it may, else the seconds to wait: the later of the 60 s spacing and the
 * moment the oldest send of the hour leaves the rolling window.
 */
export const resendWait = (recentSends: ReadonlyArray<number>, now: number): number | undefined => {
  const inWindow = recentSends.filter((t) => t > now - Limits.sendWindowMs).sort((a, b) => a - b)
  let until = 0
  const latest = inWindow[inWindow.length - 1]
  if (latest !== undefined && latest + Limits.resendSpacingMs > now) until = latest + Limits.resendSpacingMs
  if (inWindow.length >= Limits.sendsPerWindow) {
    const oldestThatMustLeave = inWindow[inWindow.length - Limits.sendsPerWindow]!
    until = Math.max(until, oldestThatMustLeave + Limits.sendWindowMs)
  }
  return until > now ? secondsUntil(until, now) : undefined
}

/** May this code still be tried at `now`? (Not consumed, not expired, attempts left.) */
export const codeIsLive = (
  code: { readonly consumedAt: number | null; readonly validUntil: number; readonly attempts: number },
  now: number
): boolean => code.consumedAt === null && now < code.validUntil && code.attempts < Limits.codeMaxAttempts
