/** `rampart openapi`: prints the OpenAPI document of `RampartApi` (the same JSON as `npm run openapi`). */
import { Command } from "@effect/cli"
import { OpenApi } from "@effect/platform"
import { Console, Effect } from "effect"
import { RampartApi } from "../Api/RampartApi.js"

/** The OpenAPI document as printed: 2-space indented JSON. */
export const openApiJson = (): string => JSON.stringify(OpenApi.fromApi(RampartApi), null, 2)

/** `rampart openapi`. */
export const openApiCommand = Command.make("openapi", {}, () => Effect.flatMap(Effect.sync(openApiJson), Console.log)).pipe(
  Command.withDescription("Print the OpenAPI document (JSON) of the Rampart API")
)
