/** Prints the OpenAPI document of `RampartApi` to stdout (`npm run openapi`). */
import { OpenApi } from "@effect/platform"
import { RampartApi } from "../src/Api/RampartApi.js"

process.stdout.write(JSON.stringify(OpenApi.fromApi(RampartApi), null, 2) + "\n")
