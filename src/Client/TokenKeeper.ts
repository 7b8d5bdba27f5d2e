/**
 * A credential that must be renewed before it expires, shared by many callers: the engine behind
 * `Session` (Criptan idTokens) and `PartnerSession` (KriptoAPI access tokens).
 *
 * - Single flight: the lease lives in a `SynchronizedRef`; a renewal runs inside its update, so two
 *   renewals never overlap, and every lease carries a generation: a caller asks to renew "the lease
 *   of generation g", and when g has already been replaced the request is a no-op, so concurrent
 *   callers that found the same lease stale share one renewal.
 * - Proactive: a background fiber sleeps (on Effect's `Clock`) until the lease's `renewAt`, then
 *   renews it; it is forked in the caller's `Scope` and interrupted when that scope closes.
 * - Lazy: `current` renews first when `renewAt` has passed (the background fiber may be late, e.g.
 *   after the process was suspended).
 * - On scope close the background fiber is interrupted first, then `release` (if any) runs with the
 *   last value.
 * - Background failures are logged and tried again with a capped exponential backoff (1 s doubling
 *   to 5 min), or after the delay the error names; a fatal error (refused credentials, where a
 *   repeat can only lock the account) stops the background work, and callers see it lazily.
 */
import { Clock, Duration, Effect, Either, Option, type Scope, SynchronizedRef } from "effect"
import { traced } from "../Spans.js"

/** A credential with the time it is due for renewal and its generation. */
export interface Lease<T> {
  readonly value: T
  /** `Clock` millis from which the value is due for renewal. */
  readonly renewAt: number
  /** 0 for the first value, +1 per renewal. */
  readonly generation: number
}

/** What one acquisition produces: the value and when it is due for renewal (`Clock` millis). */
export interface Acquired<T> {
  readonly value: T
  readonly renewAt: number
}

/** How a `TokenKeeper` gets and renews its value. */
export interface TokenKeeperOptions<T, E> {
  /** A label for logs and spans, e.g. "Session". */
  readonly name: string
  /** Gets a value: the first one (`None`) or the successor of `previous`. */
  readonly acquire: (previous: Option.Option<T>) => Effect.Effect<Acquired<T>, E>
  /** Errors after which background renewal stops, because repeating cannot help. */
  readonly isFatal: (error: E) => boolean
  /** A delay the error itself asks for (e.g. `retryAfterSeconds`), instead of the backoff. */
  readonly retryAfter?: ((error: E) => Option.Option<Duration.Duration>) | undefined
  /**
   * Runs with the last value when the scope closes, after the background work has stopped and any
   * renewal under way has finished (e.g. a logout). Its failures are logged, never raised.
   */
  readonly release?: ((value: T) => Effect.Effect<void, E>) | undefined
}

/** A shared, self-renewing credential. */
export interface TokenKeeper<T, E> {
  /** The lease as it is, without renewing. */
  readonly peek: Effect.Effect<Lease<T>>
  /** The lease, renewed first when it is due. */
  readonly current: Effect.Effect<Lease<T>, E>
  /** Renews the lease of `generation` (shared with concurrent requests; a no-op when already replaced). */
  readonly renew: (generation: number) => Effect.Effect<Lease<T>, E>
}

/** The background backoff after `failures` consecutive failures: 1 s, 2 s, 4 s, ... capped at 5 minutes. */
export const backgroundBackoff = (failures: number): Duration.Duration =>
  Duration.millis(Math.min(1000 * 2 ** Math.max(0, failures - 1), 5 * 60_000))

const describe = (error: unknown): string =>
  typeof error === "object" && error !== null && "message" in error
    ? `${String((error as { _tag?: unknown })._tag ?? "Error")}: ${String(error.message)}`
    : String(error)

/** Acquires the first value, then keeps it fresh in the background until the scope closes. */
export const makeTokenKeeper = <T, E>(
  options: TokenKeeperOptions<T, E>
): Effect.Effect<TokenKeeper<T, E>, E, Scope.Scope> =>
  Effect.gen(function*() {
    const first = yield* options.acquire(Option.none())
    const ref = yield* SynchronizedRef.make<Lease<T>>({ ...first, generation: 0 })

    const renew = (generation: number): Effect.Effect<Lease<T>, E> =>
      SynchronizedRef.updateAndGetEffect(ref, (lease) =>
        lease.generation !== generation
          ? Effect.succeed(lease)
          : Effect.map(options.acquire(Option.some(lease.value)), (next) => ({
            value: next.value,
            renewAt: next.renewAt,
            generation: lease.generation + 1
          }))).pipe(traced(`${options.name}.renew`))

    const current: Effect.Effect<Lease<T>, E> = Effect.flatMap(
      SynchronizedRef.get(ref),
      (lease) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => now >= lease.renewAt ? renew(lease.generation) : Effect.succeed(lease))
    )

    /** Sleeps until the lease is due, then renews it (a no-op when a caller renewed it meanwhile). */
    const renewWhenDue = Effect.gen(function*() {
      const lease = yield* SynchronizedRef.get(ref)
      const now = yield* Clock.currentTimeMillis
      if (lease.renewAt > now) yield* Effect.sleep(Duration.millis(lease.renewAt - now))
      yield* renew(lease.generation)
    })

    const release = options.release
    if (release !== undefined) {
      // Added before the background fork, so it runs after the fork is interrupted; the update
      // waits for a renewal under way, so the value released is the newest one.
      yield* Effect.addFinalizer(() =>
        SynchronizedRef.updateEffect(ref, (lease) =>
          release(lease.value).pipe(
            Effect.catchAll((error) => Effect.logWarning(`${options.name}: release failed (${describe(error)})`)),
            Effect.as(lease)
          ))
      )
    }

    const background = Effect.gen(function*() {
      let failures = 0
      while (true) {
        const result = yield* Effect.either(renewWhenDue)
        if (Either.isRight(result)) {
          failures = 0
          continue
        }
        const error = result.left
        if (options.isFatal(error)) {
          yield* Effect.logError(`${options.name}: background renewal stopped: ${describe(error)}`)
          return
        }
        failures++
        const delay = Option.getOrElse(
          options.retryAfter?.(error) ?? Option.none(),
          () => backgroundBackoff(failures)
        )
        yield* Effect.logWarning(
          `${options.name}: background renewal failed (${describe(error)}); next try in ${Duration.format(delay)}`
        )
        yield* Effect.sleep(delay)
      }
    })
    yield* Effect.forkScoped(background)

    return { peek: SynchronizedRef.get(ref), current, renew }
  })
