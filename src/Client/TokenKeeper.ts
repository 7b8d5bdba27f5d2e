/**
 * A bearer token that must be renewed before it expires, shared by many callers, and the
 * authenticated caller built on it: the engine behind `Session` (Criptan idTokens) and
 * `PartnerSession` (KriptoAPI access tokens), which say only how to acquire and renew their token.
 *
 * - Single flight: the lease lives in a `SynchronizedRef`; a renewal runs inside its update, so two
 *   renewals never overlap, and every lease carries a generation: a caller asks to renew "the lease
 *   of generation g", and when g has already been replaced the request is a no-op, so concurrent
 *   callers that found the same lease stale share one renewal.
 * - When: a token obtained by a request sent at `sentAt` (our `Clock`) and living `lifetime` is due
 *   at `sentAt + lifetime − min(margin, lifetime / 2)`. Counting from when the request left, on our
 *   clock, means a skew with the server's clock never makes the renewal early in a loop or late.
 * - Proactive: a background fiber sleeps (on Effect's `Clock`) until the lease is due, then renews
 *   it; it is forked in the caller's `Scope` and interrupted when that scope closes.
 * - Lazy: every caller renews first when the lease is due (the background fiber may be late, e.g.
 *   after the process was suspended).
 * - Authenticated calls: `withAuth(f)` runs `f` with the token and `httpClient` sends it as
 *   `Authorization: Bearer`; a call refused with `AuthError` (403, the contract's only 403) is sent
 *   once more after a renewal, shared with every caller that saw the same token refused.
 * - On scope close the background fiber is interrupted first, then `release` (if any) runs with the
 *   last value.
 * - Background failures are logged and tried again with a capped exponential backoff (1 s doubling
 *   to 5 min), or after the delay the error names; a fatal error (refused credentials, where a
 *   repeat can only lock the account) stops the background work, and callers see it lazily.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import type * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as SynchronizedRef from "effect/SynchronizedRef"
import { traced } from "../internal/Spans.js"
import { backgroundBackoffMillis, describeFailure as describe, renewalDueAt } from "../Shared/ClientRules.js"

/** A value holding the bearer token it authenticates calls with. */
export interface Bearer {
  readonly token: Redacted.Redacted<string>
}

/** What one acquisition produces: the value, when its request was sent and how long it is valid from then. */
export interface Acquired<T> {
  readonly value: T
  /** `Clock` millis at which the request that obtained the value was sent. */
  readonly sentAt: number
  readonly lifetime: Duration.Duration
}

/** How a `TokenKeeper` gets and renews its value. */
export interface TokenKeeperOptions<T extends Bearer, E> {
  /** A label for logs and spans, e.g. "Session". */
  readonly name: string
  /** Gets a value: the first one (`None`) or the successor of `previous`. */
  readonly acquire: (previous: Option.Option<T>) => Effect.Effect<Acquired<T>, E>
  /** How long before the value expires it is renewed (at most half its lifetime). */
  readonly margin: Duration.DurationInput
  /** The transport that authenticated calls are sent over. */
  readonly httpClient: HttpClient.HttpClient
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

/** A shared, self-renewing bearer token and the calls it authenticates. */
export interface TokenKeeper<E> {
  /** A valid token (renewed first when due). */
  readonly token: Effect.Effect<Redacted.Redacted<string>, E>
  /** Renews the token now, sharing the renewal with any already under way. */
  readonly refresh: Effect.Effect<void, E>
  /** Runs `f` with a valid token; when it fails with `AuthError`, renews and runs it once more. */
  readonly withAuth: <A, E2, R>(
    f: (token: Redacted.Redacted<string>) => Effect.Effect<A, E2, R>
  ) => Effect.Effect<A, E2 | E, R>
  /** The transport sending the token as `Authorization: Bearer`; a 403 is renewed and sent once more. */
  readonly httpClient: HttpClient.HttpClient.With<HttpClientError.HttpClientError | E>
}

/** A value with the time it is due for renewal and its generation (0 first, +1 per renewal). */
interface Lease<T> {
  readonly value: T
  readonly renewAt: number
  readonly generation: number
}

/** The background backoff after `failures` consecutive failures: 1 s, 2 s, 4 s, ... capped at 5 minutes. */
export const backgroundBackoff = (failures: number): Duration.Duration =>
  Duration.millis(backgroundBackoffMillis(failures))

const isAuthError = (error: unknown): boolean => Predicate.isTagged(error, "AuthError")

/** Acquires the first value, then keeps it fresh in the background until the scope closes. */
export const makeTokenKeeper = <T extends Bearer, E>(
  options: TokenKeeperOptions<T, E>
): Effect.Effect<TokenKeeper<E>, E, Scope.Scope> =>
  Effect.gen(function*() {
    const marginMs = Duration.toMillis(options.margin)
    const toLease = (acquired: Acquired<T>, generation: number): Lease<T> => {
      return {
        value: acquired.value,
        renewAt: renewalDueAt(acquired.sentAt, Duration.toMillis(acquired.lifetime), marginMs),
        generation
      }
    }

    const first = yield* options.acquire(Option.none())
    const ref = yield* SynchronizedRef.make(toLease(first, 0))

    const renew = (generation: number): Effect.Effect<Lease<T>, E> =>
      SynchronizedRef.updateAndGetEffect(ref, (lease) =>
        lease.generation !== generation
          ? Effect.succeed(lease)
          : Effect.map(options.acquire(Option.some(lease.value)), (next) => toLease(next, generation + 1))).pipe(
          traced(`${options.name}.renew`)
        )

    const current: Effect.Effect<Lease<T>, E> = Effect.flatMap(
      SynchronizedRef.get(ref),
      (lease) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          now >= lease.renewAt ? renew(lease.generation) : Effect.succeed(lease))
    )

    /** Sleeps until the lease is due, then renews it (a no-op when a caller renewed it meanwhile). */
    const renewWhenDue = Effect.gen(function*() {
      const lease = yield* SynchronizedRef.get(ref)
      const now = yield* Clock.currentTimeMillis
      if (lease.renewAt > now) {
        yield* Effect.sleep(Duration.millis(lease.renewAt - now))
      }
      yield* renew(lease.generation)
    })

    const release = options.release
    if (release !== undefined) {
      // Added before the background fork, so it runs after the fork is interrupted; the update
      // waits for a renewal under way, so the value released is the newest one.
      yield* Effect.addFinalizer(() =>
        SynchronizedRef.updateEffect(ref, (lease) =>
          release(lease.value).pipe(
            Effect.catchAll((error) =>
              Effect.logWarning(`${options.name}: release failed (${describe(error)})`)
            ),
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

    const withAuth = <A, E2, R>(
      f: (token: Redacted.Redacted<string>) => Effect.Effect<A, E2, R>
    ): Effect.Effect<A, E2 | E, R> =>
      Effect.flatMap(current, (lease) =>
        f(lease.value.token).pipe(
          Effect.catchIf(isAuthError, () => Effect.flatMap(renew(lease.generation), (next) => f(next.value.token)))
        ))

    const transport = options.httpClient
    const httpClient = HttpClient.makeWith(
      (request: Effect.Effect<HttpClientRequest.HttpClientRequest, HttpClientError.HttpClientError | E>) =>
        Effect.flatMap(request, (request) =>
          Effect.gen(function*() {
            const lease = yield* current
            const first = yield* transport.execute(HttpClientRequest.bearerToken(request, lease.value.token))
            if (first.status !== 403) return first
            const next = yield* renew(lease.generation)
            return yield* transport.execute(HttpClientRequest.bearerToken(request, next.value.token))
          })),
      Effect.succeed
    )

    return {
      token: Effect.map(current, (lease) => lease.value.token),
      refresh: Effect.flatMap(SynchronizedRef.get(ref), (lease) => renew(lease.generation)).pipe(Effect.asVoid),
      withAuth,
      httpClient
    } satisfies TokenKeeper<E>
  })
