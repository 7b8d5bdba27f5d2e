/** `rampart openapi`: prints the OpenAPI document of `RampartApi` (the same JSON as `npm run openapi`). */
import { Command } from "@effect/cli"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"

/** The OpenAPI document as printed: 2-space indented JSON (the contract loads only when asked for). */
export const openApiJson: Effect.Effect<string> = Effect.promise(async () => {
  const [{ OpenApi }, { RampartApi }] = await Promise.all([import("@effect/platform"), import("../Api/RampartApi.js")])
  return JSON.stringify(OpenApi.fromApi(RampartApi), null, 2)
})

/** `rampart openapi`. */
export const openApiCommand = Command.make("openapi", {}, () => Effect.flatMap(openApiJson, Console.log)).pipe(
  Command.withDescription("Print the OpenAPI document (JSON) of the Rampart API")
)
