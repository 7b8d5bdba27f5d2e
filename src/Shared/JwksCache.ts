/**
 * The state and the decisions of a JWKS cache (`IdTokenVerifier.layerJwks` of both editions), with
 * no Effect: which keys are known and since when, when a token naming an unknown `kid` may trigger
 * a fetch (one in flight, or the cooldown passed), when known keys are refreshed in the background
 * (stale and cooled down, none in flight), and when a failing fetch is worth a log line (the first
 * failure, the first success after failures). Each edition runs the fetches with its own Effect;
 * `F` is its handle of the fetch in flight.
 */

/** How long fetched keys are used and the least time between two fetches, in milliseconds. */
export interface JwksCacheTiming {
  readonly ttlMillis: number
  readonly cooldownMillis: number
}

/** One verifier's JWKS cache. */
export class JwksCacheState<K, F> {
  /** The keys by `kid`, as last fetched. */
  keys: Map<string, K> = new Map()
  /** The fetch in flight, if any. */
  inflight: F | undefined = undefined
  private fetchedAt = -Infinity
  private lastAttempt = -Infinity
  private failing = false

  constructor(readonly timing: JwksCacheTiming) {}

  /** Whether the cooldown since the last attempt has passed at `now`. */
  private cooledDown(now: number): boolean {
    return now - this.lastAttempt >= this.timing.cooldownMillis
  }

  /** A token names an unknown `kid` at `now`: learn the keys (join the fetch in flight, or start one if allowed)? */
  fetchesForUnknownKid(now: number): boolean {
    return this.inflight !== undefined || this.cooledDown(now)
  }

  /** A token of a known `kid` passed at `now`: refresh stale keys in the background (never on the request's path)? */
  refreshesInBackground(now: number): boolean {
    return now - this.fetchedAt >= this.timing.ttlMillis && this.cooledDown(now) && this.inflight === undefined
  }

  /** A fetch starts at `now`. */
  attempted(now: number): void {
    this.lastAttempt = now
  }

  /** A fetch brought `keys` at `now`; `true` when it ends a run of failures (worth saying so). */
  adopted(keys: Map<string, K>, now: number): boolean {
    const recovered = this.failing
    this.keys = keys
    this.fetchedAt = now
    this.failing = false
    return recovered
  }

  /** A fetch failed (the last good keys are kept); `true` when it starts a run of failures (worth one log line). */
  failed(): boolean {
    const first = !this.failing
    this.failing = true
    return first
  }
}

/** The log line of a JWKS that cannot be fetched (once per run of failures). */
export const jwksFailureMessage = (url: string, reason: string, keysKnown: number, retryIn: string): string =>
  `IdTokenVerifier: the JWKS at ${url} could not be fetched (${reason.split("\n")[0]}); ` +
  `keeping the ${keysKnown} key(s) already known and trying again after ${retryIn}`

/** The log line of a JWKS that answers again after failures. */
export const jwksRecoveredMessage = (url: string): string => `IdTokenVerifier: the JWKS at ${url} answers again`

/** The defect of `layerKeys` given a set without any usable key. */
export const NO_ED25519_KEY_MESSAGE =
  "IdTokenVerifier.layerKeys: the JWKS holds no Ed25519 signature key (kty OKP, crv Ed25519, kid)"
