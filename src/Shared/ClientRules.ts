/**
 * The client side's numbers and decisions, with no Effect, written once for both editions
 * (`src/Shared/`): which requests may be repeated, the backoffs, when a lease is due, the defaults
 * of the client, the sessions and the JWKS cache, and the words of the refusals both editions
 * answer (the step-up's `x-otp`, a refused idToken).
 */

/** The default base URL, where `npm start` listens. */
export const DEFAULT_BASE_URL = "http://127.0.0.1:8080"

/** The default time allowed for one attempt of the client, in milliseconds. */
export const DEFAULT_TIMEOUT_MILLIS = 10_000

/** The retry backoff of retry-safe requests: from 100 ms doubling, jittered ×0.8..1.2, each delay at most 2 s, 3 retries. */
export const RETRY_BACKOFF = { baseMillis: 100, factor: 2, capMillis: 2000, retries: 3 } as const

/** The default margins of `Session` (idToken refresh) and `PartnerSession` (new login) before expiry, in milliseconds. */
export const DEFAULT_RENEWAL_MARGIN_MILLIS = 60_000

/** The JWKS cache's defaults: keys kept 10 minutes, at most one fetch per 30 s, a fetch bounded by 5 s. */
export const JWKS_DEFAULTS = { cacheTtlMillis: 10 * 60_000, refetchCooldownMillis: 30_000, fetchTimeoutMillis: 5000 }

/** Clock skew tolerated on an idToken's `exp`, `iat` and `nbf` by default, in seconds (as the server). */
export const DEFAULT_LEEWAY_SECONDS = 30

/** The routes whose requests may be repeated safely (reads, and the refresh, which creates no state). */
const retrySafeRoutes: ReadonlyArray<readonly [method: string, path: string]> = [
  ["GET", "/health"],
  ["GET", "/.well-known/jwks.json"],
  ["GET", "/sandbox/outbox"],
  ["GET", "/sandbox/clock"],
  ["GET", "/sandbox/accounts"],
  ["GET", "/sandbox/events"],
  ["GET", "/sandbox"],
  ["POST", "/auth/login/refresh"]
]

const pathOf = (url: string): string => {
  try {
    return new URL(url).pathname
  } catch {
    return url.split(/[?#]/)[0] ?? url
  }
}

/** Whether a request of `method` to `url` may be retried: only the reads and the refresh (see `AuthClient`). */
export const isRetrySafeRoute = (method: string, url: string): boolean => {
  const path = pathOf(url)
  return retrySafeRoutes.some(([routeMethod, route]) => method === routeMethod && path.endsWith(route))
}

/** The background backoff after `failures` consecutive failures, in milliseconds: 1 s, 2 s, 4 s, ... capped at 5 minutes. */
export const backgroundBackoffMillis = (failures: number): number =>
  Math.min(1000 * 2 ** Math.max(0, failures - 1), 5 * 60_000)

/**
 * When a token obtained by a request sent at `sentAt` and living `lifetimeMillis` is due for renewal:
 * `margin` before it runs out, but never earlier than half its lifetime.
 */
export const renewalDueAt = (sentAt: number, lifetimeMillis: number, marginMillis: number): number =>
  sentAt + lifetimeMillis - Math.min(marginMillis, lifetimeMillis / 2)

/** A failure described on one line for logs: `Tag: message`, or the value as text. */
export const describeFailure = (error: unknown): string =>
  typeof error === "object" && error !== null && "message" in error
    ? `${String((error as { _tag?: unknown })._tag ?? "Error")}: ${String(error.message)}`
    : String(error)

/** The one message of every refused idToken. */
export const REFUSED_TOKEN_MESSAGE = "invalid or expired token"

/** The message of an `InternalError`: never internals. */
export const INTERNAL_ERROR_MESSAGE = "Internal error"

/** The `ServiceUnavailable` message of a step-up whose Rampart server cannot be reached. */
export const UNREACHABLE_MESSAGE = "The OTP verification service cannot be reached"

/** The refusal of a step-up whose `x-otp` is missing or empty, or is not a 6-digit code (`malformed`). */
export const otpHeaderRefusalMessage = (malformed: boolean): string =>
  malformed
    ? "The x-otp header must be exactly 6 digits"
    : "The x-otp header is required: a current TOTP code or the code last sent to you"

/** Whether `code` has the shape of a one-time code (6 ASCII digits), before anything is tried. */
export const isOtpCode = (code: string): boolean => /^[0-9]{6}$/.test(code)
