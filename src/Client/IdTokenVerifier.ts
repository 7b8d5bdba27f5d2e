/**
 * Verifying Rampart idTokens in another service (a resource server): `IdTokenVerifier` checks a
 * token exactly as the Rampart server does (`src/Crypto/IdTokenChecks.ts`, shared by both), with
 * time from `Clock`; `layerUserAuthentication` makes it the contract's bearer middleware for any
 * `HttpApi` whose endpoints or groups use `UserAuthentication`.
 *
 * `IdTokenVerifier.layerJwks` keeps the server's keys from `/.well-known/jwks.json`:
 * - fetched when first needed, then cached (10 min by default) and refreshed in the background
 *   after that, so a request never waits for a fetch when its `kid` is already known;
 * - a token naming an unknown `kid` (a rotation) makes it refetch, at most once per cooldown
 *   (30 s by default): a flood of forged `kid`s costs the JWKS server one request per cooldown;
 * - a fetch that fails, hangs (timeout, 5 s by default) or answers garbage keeps the last good
 *   keys, and says so in one log line (and one more when the keys can be fetched again).
 * Every refusal is the same `AuthError` ("invalid or expired token"), answered 403 by the middleware.
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberId from "effect/FiberId"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import type { KeyObject } from "node:crypto"
import { UserAuthentication } from "../Api/Security.js"
import { AuthError } from "../Domain/Errors.js"
import { type AuthenticatedUser, authenticatedUserOf, type IdTokenClaims } from "../Domain/Identity.js"
import { DEFAULT_LEEWAY_SECONDS, JWKS_DEFAULTS, REFUSED_TOKEN_MESSAGE } from "../Shared/ClientRules.js"
import { type ClaimExpectations, ed25519KeysOf, VerifiedTokens } from "../Shared/IdTokenChecks.js"
import {
  JwksCacheState,
  jwksFailureMessage,
  jwksRecoveredMessage,
  NO_ED25519_KEY_MESSAGE
} from "../Shared/JwksCache.js"
import { AuthClient } from "./AuthClient.js"

/** Whom the tokens must be from and for. */
export interface IdTokenVerifierOptions {
  /** The `iss` of the tokens: the server's `RAMPART_ISSUER` (default `rampart`). */
  readonly issuer: string
  /** This service's audience (or audiences): the token's `aud` must name one of them. */
  readonly audience: string | ReadonlyArray<string>
  /** Clock skew tolerated on `exp`, `iat` and `nbf` (default 30 s, as the server). */
  readonly leeway?: Duration.DurationInput | undefined
}

/** `layerJwks`'s options: the JWKS address and its cache. */
export interface IdTokenVerifierJwksOptions extends IdTokenVerifierOptions {
  /** The JWKS URL (default: the `AuthClient`'s base URL + `/.well-known/jwks.json`). */
  readonly url?: string | URL | undefined
  /** How long fetched keys are used before they are refreshed in the background (default 10 minutes). */
  readonly cacheTtl?: Duration.DurationInput | undefined
  /** The least time between two fetches, whatever asks for them (default 30 seconds). */
  readonly refetchCooldown?: Duration.DurationInput | undefined
  /** The longest one fetch may take (default 5 seconds). */
  readonly fetchTimeout?: Duration.DurationInput | undefined
}

/** A JSON Web Key Set, as `/.well-known/jwks.json` serves it (keys other than Ed25519 signature keys are ignored). */
export interface JsonWebKeySet {
  readonly keys: ReadonlyArray<{ readonly [member: string]: unknown }>
}

/** Checks Rampart idTokens. */
export interface IdTokenVerifierService {
  /** The claims of a valid, unexpired token; `AuthError` ("invalid or expired token") for any other. */
  readonly verify: (token: string) => Effect.Effect<IdTokenClaims, AuthError>
}

/** The default cache lifetime of fetched keys. */
export const DEFAULT_JWKS_CACHE_TTL: Duration.Duration = Duration.millis(JWKS_DEFAULTS.cacheTtlMillis)
/** The default least time between two JWKS fetches. */
export const DEFAULT_JWKS_REFETCH_COOLDOWN: Duration.Duration = Duration.millis(JWKS_DEFAULTS.refetchCooldownMillis)
/** The default bound on one JWKS fetch. */
export const DEFAULT_JWKS_FETCH_TIMEOUT: Duration.Duration = Duration.millis(JWKS_DEFAULTS.fetchTimeoutMillis)

const refusal = () => new AuthError({ message: REFUSED_TOKEN_MESSAGE })

const expectationsOf = (options: IdTokenVerifierOptions): ClaimExpectations => ({
  issuer: options.issuer,
  audiences: typeof options.audience === "string" ? [options.audience] : options.audience,
  leewaySeconds: options.leeway === undefined ? DEFAULT_LEEWAY_SECONDS : Duration.toSeconds(options.leeway)
})

/** A verifier over the keys `keyFor` knows; `onUnknownKid` may learn new keys and says whether to look again. */
const makeVerify = (
  expected: ClaimExpectations,
  keyFor: (kid: string) => KeyObject | undefined,
  onUnknownKid: (nowMillis: number) => Effect.Effect<boolean>,
  onValid: ((nowMillis: number) => Effect.Effect<void>) | undefined,
  verified = new VerifiedTokens()
) =>
(token: string): Effect.Effect<IdTokenClaims, AuthError> =>
  Effect.clockWith((clock) => {
    const now = clock.unsafeCurrentTimeMillis()
    const check = () => verified.check(token, keyFor, expected, Math.floor(now / 1000))
    const decide = (verdict: ReturnType<typeof check>, again: boolean): Effect.Effect<IdTokenClaims, AuthError> => {
      switch (verdict._tag) {
        case "Valid":
          // The checks made `sub` a UUID: the claims are `IdTokenClaims`.
          return onValid === undefined
            ? Effect.succeed(verdict.claims as IdTokenClaims)
            : Effect.as(onValid(now), verdict.claims as IdTokenClaims)
        case "UnknownKid":
          return again
            ? Effect.flatMap(
              onUnknownKid(now),
              (learned) => (learned ? decide(check(), false) : decide(verdict, false))
            )
            : Effect.zipRight(Effect.logDebug("idToken refused", "unknown kid"), Effect.fail(refusal()))
        case "Refused":
          return Effect.zipRight(Effect.logDebug("idToken refused", verdict.reason), Effect.fail(refusal()))
      }
    }
    return decide(check(), true)
  })

/** A verifier over a JWKS fetched with `httpClient` from `url`, its background fetches run in `scope`. */
const makeJwksVerifier = (
  options: IdTokenVerifierJwksOptions,
  httpClient: HttpClient.HttpClient,
  url: string,
  scope: Scope.Scope
): IdTokenVerifierService => {
  const cooldown = Duration.toMillis(options.refetchCooldown ?? DEFAULT_JWKS_REFETCH_COOLDOWN)
  const timeout = options.fetchTimeout ?? DEFAULT_JWKS_FETCH_TIMEOUT
  const state = new JwksCacheState<KeyObject, Deferred.Deferred<void>>({
    ttlMillis: Duration.toMillis(options.cacheTtl ?? DEFAULT_JWKS_CACHE_TTL),
    cooldownMillis: cooldown
  })

  const fetchKeys = httpClient.get(url, { acceptJson: true }).pipe(
    Effect.flatMap(HttpClientResponse.filterStatusOk),
    Effect.flatMap((response) => response.json),
    Effect.scoped,
    Effect.map((json) => ed25519KeysOf(json)),
    Effect.filterOrFail((keys) => keys.size > 0, () => "the answer holds no Ed25519 signature key"),
    Effect.timeoutFail({ duration: timeout, onTimeout: () => `no answer within ${Duration.format(timeout)}` })
  )

  const describe = (error: unknown): string =>
    typeof error === "string" ? error : error instanceof Error ? error.message.split("\n")[0]! : String(error)

  /** One fetch: adopts the keys, or keeps the last good ones; logs only when the outcome changes. */
  const fetchOnce = Effect.gen(function*() {
    state.attempted(yield* Clock.currentTimeMillis)
    const outcome = yield* Effect.either(fetchKeys)
    if (outcome._tag === "Right") {
      if (state.adopted(outcome.right, yield* Clock.currentTimeMillis)) yield* Effect.logInfo(jwksRecoveredMessage(url))
    } else if (state.failed()) {
      yield* Effect.logWarning(
        jwksFailureMessage(url, describe(outcome.left), state.keys.size, Duration.format(Duration.millis(cooldown)))
      )
    }
  })

  /** Starts a fetch in the verifier's scope (one at a time), or joins the one in flight; waits for it. */
  const refresh: Effect.Effect<void> = Effect.suspend(() => {
    if (state.inflight !== undefined) return Deferred.await(state.inflight)
    const done = Deferred.unsafeMake<void>(FiberId.none)
    state.inflight = done
    return fetchOnce.pipe(
      Effect.ensuring(
        Effect.sync(() => (state.inflight = undefined)).pipe(Effect.zipRight(Deferred.succeed(done, undefined)))
      ),
      Effect.forkIn(scope),
      Effect.zipRight(Deferred.await(done))
    )
  })

  return {
    verify: makeVerify(
      expectationsOf(options),
      (kid) => state.keys.get(kid),
      // An unknown kid: learn the keys when a fetch is in flight or allowed now.
      (now) => state.fetchesForUnknownKid(now) ? Effect.as(refresh, true) : Effect.succeed(false),
      // A known kid: refresh stale keys in the background, never on the request's path.
      (now) =>
        state.refreshesInBackground(now)
          ? Effect.asVoid(Effect.forkIn(refresh, scope))
          : Effect.void
    )
  }
}

/** Verifies Rampart idTokens (the checks of the Rampart server, time from `Clock`). */
export class IdTokenVerifier extends Context.Tag("Rampart/IdTokenVerifier")<IdTokenVerifier, IdTokenVerifierService>() {
  /**
   * Keys from the server's JWKS (`options.url`, default the `AuthClient`'s base URL +
   * `/.well-known/jwks.json`), cached, refreshed in the background, refetched on an unknown `kid`
   * at most once per cooldown, the last good keys kept when a fetch fails.
   */
  static readonly layerJwks = (options: IdTokenVerifierJwksOptions): Layer.Layer<IdTokenVerifier, never, AuthClient> =>
    Layer.scoped(
      IdTokenVerifier,
      Effect.gen(function*() {
        const client = yield* AuthClient
        const url = options.url === undefined
          ? new URL("/.well-known/jwks.json", client.baseUrl).toString()
          : options.url.toString()
        return makeJwksVerifier(options, client.httpClient, url, yield* Effect.scope)
      })
    )

  /** Keys known in advance (a JWKS document); a set without any Ed25519 signature key is a defect at start. */
  static readonly layerKeys = (jwks: JsonWebKeySet, options: IdTokenVerifierOptions): Layer.Layer<IdTokenVerifier> =>
    Layer.effect(
      IdTokenVerifier,
      Effect.suspend(() => {
        const keys = ed25519KeysOf(jwks)
        return keys.size === 0
          ? Effect.dieMessage(NO_ED25519_KEY_MESSAGE)
          : Effect.succeed({
            verify: makeVerify(
              expectationsOf(options),
              (kid) => keys.get(kid),
              () => Effect.succeed(false),
              undefined
            )
          })
      })
    )
}

/**
 * The contract's bearer middleware `UserAuthentication` over an `IdTokenVerifier`, for any `HttpApi`
 * whose endpoints or groups use it: provides `CurrentUser`, refuses with Rampart's 403 `AuthError`.
 */
export const layerUserAuthentication: Layer.Layer<UserAuthentication, never, IdTokenVerifier> = Layer.effect(
  UserAuthentication,
  Effect.map(IdTokenVerifier, (verifier) => {
    // A token verified before yields the same claims object (`VerifiedTokens`): its user, built
    // once, is reused (immutable), so a repeat request skips constructing it.
    const users = new WeakMap<IdTokenClaims, AuthenticatedUser>()
    const userOf = (claims: IdTokenClaims): AuthenticatedUser => {
      let user = users.get(claims)
      if (user === undefined) users.set(claims, user = authenticatedUserOf(claims))
      return user
    }
    return { idToken: (token: Redacted.Redacted<string>) => Effect.map(verifier.verify(Redacted.value(token)), userOf) }
  })
)
