/**
 * import-client: a cold `import("rampart")` (the package's main entry, the client side, compiled
 * dist/) in a fresh node process, against a cold import of `effect` and the modules of
 * `@effect/platform` an HttpApi client is written with (HttpApi, HttpApiClient, HttpApiEndpoint,
 * HttpApiGroup, HttpApiSchema, HttpApiError, HttpClient, FetchHttpClient): what any typed Effect
 * client of an HTTP API loads. Each run is a new plain-node process on the server core timing its
 * own `await import(...)` (performance.now(), so node's boot, the same on both sides, is left out);
 * median of 5 runs per side and round, 6 interleaved rounds.
 */
import { buildIfStale } from "../../scripts/build.mjs"
import { interleave } from "../lib/Load.js"
import { cores, runCommand } from "../lib/Processes.js"
import { measured } from "../lib/Report.js"
import { medianOfRuns } from "../lib/Stats.js"
import type { BenchItem } from "./Item.js"

/** The @effect/platform modules of an HttpApi client. */
const clientModules = [
  "HttpApi",
  "HttpApiClient",
  "HttpApiEndpoint",
  "HttpApiGroup",
  "HttpApiSchema",
  "HttpApiError",
  "HttpClient",
  "FetchHttpClient"
].map((name) => `@effect/platform/${name}`)

/** A program that prints how long importing `specifiers` (all at once) took, in ms. */
const timedImport = (specifiers: ReadonlyArray<string>) =>
  `const started = performance.now(); await Promise.all(${
    JSON.stringify(specifiers)
  }.map((s) => import(s))); console.log(performance.now() - started)`

/** One cold import in a fresh node process (run from the repository, where `rampart` resolves to dist/ by self-reference). */
const coldImportMs = async (specifiers: ReadonlyArray<string>): Promise<number> =>
  Number(
    (await runCommand(process.execPath, ["--input-type=module", "-e", timedImport(specifiers)], cores.server)).trim()
  )

/** The import-client item. */
export const importClient: BenchItem<void> = {
  name: "import-client",
  run: async () => {
    await buildIfStale()
    const ours = ["rampart"]
    const baseline = ["effect", ...clientModules]
    const side = (specifiers: ReadonlyArray<string>) => async () => ({
      value: await medianOfRuns(5, () => coldImportMs(specifiers))
    })
    // One run each first, so that the files are in the page cache for both sides alike.
    await side(ours)()
    await side(baseline)()
    const { rounds } = await interleave(6, side(ours), side(baseline), "import-client")
    return measured(
      "ms",
      { op: "<=", value: 1.2 },
      rounds,
      `time of \`await import("rampart")\` (dist/index.js) vs importing effect + @effect/platform's ${
        clientModules.map((m) => m.slice("@effect/platform/".length)).join(", ")
      }, each in a fresh plain node process (node's boot not counted), median of 5 per side and round, on the server core`
    )
  }
}
