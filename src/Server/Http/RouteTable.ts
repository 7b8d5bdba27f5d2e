/**
 * Answers for requests no route took (the router's `RouteNotFound`, which the platform turns into an
 * empty 404): a 405 with `Allow` when the path is routed under other methods, else a 404; both with
 * the JSON `{ _tag, message }` of the API's other errors, and never echoing more than 64 characters
 * of the path. The routed paths come from the contract, collected once when the server starts.
 */
import * as HttpApi from "@effect/platform/HttpApi"
import type * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpServerError from "@effect/platform/HttpServerError"
import type * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"

/** A route: a method and a path (`:name` segments match any one segment, `*` the rest). */
export interface RouteSpec {
  readonly method: string
  readonly path: string
}

/** The methods of every routed path, indexed for lookups. */
export interface RouteTable {
  /** Paths without parameters (normalised) to their allowed methods. */
  readonly exact: ReadonlyMap<string, ReadonlyArray<string>>
  /** Paths with `:name` or `*` segments, split on `/`, with their allowed methods. */
  readonly patterns: ReadonlyArray<
    { readonly segments: ReadonlyArray<string>; readonly methods: ReadonlyArray<string> }
  >
}

/** The method and path of every endpoint of `api`, optionally only of the groups `includeGroup` keeps. */
export const apiRoutes = <Id extends string, Groups extends HttpApiGroup.HttpApiGroup.Any, E, R>(
  api: HttpApi.HttpApi<Id, Groups, E, R>,
  includeGroup: (identifier: string) => boolean = () => true
): Array<RouteSpec> => {
  const routes: Array<RouteSpec> = []
  HttpApi.reflect(api, {
    predicate: ({ group }) => includeGroup(group.identifier),
    onGroup: () => undefined,
    onEndpoint: ({ endpoint }) => void routes.push({ method: endpoint.method, path: endpoint.path })
  })
  return routes
}

/**
 * The path the router matches on, normalised as find-my-way's defaults do (the platform router's
 * configuration): up to `?`, `;` or `#`, URI-decoded, duplicate and trailing slashes dropped, lower
 * case. `undefined` when it does not decode (the router finds nothing for it either).
 */
const routedPath = (url: string): string | undefined => {
  let end = url.length
  for (let i = 0; i < url.length; i++) {
    const code = url.charCodeAt(i)
    if (code === 63 || code === 59 || code === 35) {
      end = i
      break
    }
  }
  let path: string
  try {
    path = decodeURI(url.slice(0, end))
  } catch {
    return undefined
  }
  path = path.replace(/\/{2,}/g, "/")
  if (path.length > 1 && path.endsWith("/")) path = path.slice(0, -1)
  return path.toLowerCase()
}

/** The methods a request may use on a route with `methods`: HEAD wherever GET is (the router answers HEAD with the GET route). */
const allowed = (methods: Iterable<string>): ReadonlyArray<string> => {
  const set = new Set(methods)
  if (set.has("GET")) set.add("HEAD")
  return [...set].sort()
}

/** Indexes `routes` (once, at start-up) for `answerUnrouted`. */
export const routeTable = (routes: Iterable<RouteSpec>): RouteTable => {
  const exact = new Map<string, Set<string>>()
  const patterns = new Map<string, Set<string>>()
  for (const route of routes) {
    const path = routedPath(route.path) ?? route.path
    const target = /\/[:*]/.test(path) ? patterns : exact
    const methods = target.get(path) ?? new Set<string>()
    methods.add(route.method.toUpperCase())
    target.set(path, methods)
  }
  return {
    exact: new Map([...exact].map(([path, methods]) => [path, allowed(methods)])),
    patterns: [...patterns].map(([path, methods]) => ({ segments: path.split("/"), methods: allowed(methods) }))
  }
}

/** The methods routed on `path` (normalised), or undefined when no route has that path. */
const methodsOf = (table: RouteTable, path: string): ReadonlyArray<string> | undefined => {
  const exact = table.exact.get(path)
  if (exact !== undefined) return exact
  if (table.patterns.length === 0) return undefined
  const segments = path.split("/")
  const methods = new Set<string>()
  for (const pattern of table.patterns) {
    if (matchesPattern(pattern.segments, segments)) { for (const method of pattern.methods) methods.add(method) }
  }
  return methods.size === 0 ? undefined : allowed(methods)
}

/** Whether path `segments` match a pattern's: `:name` any non-empty segment, a final `*` the rest. */
const matchesPattern = (pattern: ReadonlyArray<string>, segments: ReadonlyArray<string>): boolean => {
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i]!
    if (expected === "*" && i === pattern.length - 1) return true
    const actual = segments[i]
    if (actual === undefined) return false
    if (expected.startsWith(":") ? actual === "" : expected !== actual) return false
  }
  return pattern.length === segments.length
}

/** The routed path pattern `url` takes under any method (`/auth/login`, `/users/:id`), or undefined when no route has its path. */
export const routePattern = (table: RouteTable, url: string): string | undefined => {
  const path = routedPath(url)
  if (path === undefined) return undefined
  if (table.exact.has(path)) return path
  if (table.patterns.length === 0) return undefined
  const segments = path.split("/")
  return table.patterns.find((pattern) => matchesPattern(pattern.segments, segments))?.segments.join("/")
}

/** The longest path a message names; longer ones are cut with `…`. */
export const MAX_PATH_IN_MESSAGE = 64

/** The path of a request URL: everything before its query (or fragment). */
export const pathOf = (url: string): string => {
  const query = url.search(/[?#]/)
  return query === -1 ? url : url.slice(0, query)
}

/** The path of `url` (without its query) for a message, at most `MAX_PATH_IN_MESSAGE` characters. */
export const shownPath = (url: string): string => {
  const path = pathOf(url)
  return path.length > MAX_PATH_IN_MESSAGE ? `${path.slice(0, MAX_PATH_IN_MESSAGE - 1)}…` : path
}

/** The 405 or 404 for a request that no route took. */
export const unroutedResponse = (
  table: RouteTable,
  request: HttpServerRequest.HttpServerRequest
): HttpServerResponse.HttpServerResponse => {
  const path = routedPath(request.url)
  const methods = path === undefined ? undefined : methodsOf(table, path)
  const shown = shownPath(request.url)
  if (methods === undefined || methods.includes(request.method)) {
    return HttpServerResponse.unsafeJson({ _tag: "NotFound", message: `${request.method} ${shown} not found` }, {
      status: 404
    })
  }
  const allow = methods.join(", ")
  return HttpServerResponse.unsafeJson(
    { _tag: "HttpMethodNotAllowed", message: `${request.method} is not allowed on ${shown}; allowed: ${allow}` },
    { status: 405, headers: { allow } }
  )
}

/** `app` with the router's `RouteNotFound` answered by `unroutedResponse` (every other outcome unchanged). */
export const answerUnrouted = <E, R>(
  app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>,
  table: RouteTable
): Effect.Effect<HttpServerResponse.HttpServerResponse, E, R> =>
  Effect.catchAllCause(app, (cause) => {
    const failure = Cause.failureOption(cause)
    return Option.isSome(failure) && HttpServerError.isServerError(failure.value) &&
        failure.value._tag === "RouteNotFound"
      ? Effect.succeed(unroutedResponse(table, failure.value.request))
      : Effect.failCause(cause)
  })
