/**
 * Rampart's group handlers for any `HttpApi` that contains Rampart's groups. A handler layer is
 * built against `RampartApi`, and `@effect/platform` registers its routes by group name whatever
 * the API; only its type names the API's id. Widened to any id, the same layer satisfies
 * `HttpApiBuilder.api(hostApi)` for a host that wrote `.add(AuthApi)` or `.addHttpApi(RampartApi)`.
 */
import type * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import type * as Layer from "effect/Layer"

/** `layer`, the handlers of group `Name` of `RampartApi`, typed for the group `Name` of any API. */
export const forAnyApi = <Name extends string, E, R>(
  layer: Layer.Layer<HttpApiGroup.ApiGroup<"rampart", Name>, E, R>
): Layer.Layer<HttpApiGroup.ApiGroup<string, Name>, E, R> =>
  // The API id is a phantom of the type (the route registration is the same); Layer's output is
  // contravariant, so the widening needs saying.
  layer as unknown as Layer.Layer<HttpApiGroup.ApiGroup<string, Name>, E, R>
