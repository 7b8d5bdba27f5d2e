import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

// Vitest 5 (which @effect/vitest 4 needs) reports failures with `Map.groupBy`, which Node 20 lacks:
// the same grouping, for the reporter only (the tests never use it).
if (typeof (Map as { groupBy?: unknown }).groupBy !== "function") {
  Object.defineProperty(Map, "groupBy", {
    value: <K, V>(items: Iterable<V>, key: (item: V, index: number) => K): Map<K, Array<V>> => {
      const groups = new Map<K, Array<V>>()
      let index = 0
      for (const item of items) {
        const k = key(item, index++)
        const group = groups.get(k)
        if (group === undefined) groups.set(k, [item])
        else group.push(item)
      }
      return groups
    }
  })
}

export default defineConfig({
  // `#shared/*` is the repository's src/Shared/ (Effect-free code both editions compile); the
  // published package resolves it to its dist/shared/ through package.json "imports".
  resolve: {
    alias: [
      { find: /^#shared\/(.*)\.js$/, replacement: fileURLToPath(new URL("../../src/Shared/$1.ts", import.meta.url)) },
      // The recipes import the package by name, as its users do; in the repository that is src/.
      { find: /^rampart-effect4$/, replacement: fileURLToPath(new URL("./src/index.ts", import.meta.url)) }
    ]
  },
  test: {
    // The root's dist/ (the reference server these tests run against) is built when stale.
    globalSetup: ["test/support/BuildServer.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    include: ["test/**/*.test.ts"]
  }
})
