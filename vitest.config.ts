import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

/** The end-to-end files: every endpoint over HTTP, hostile input with its response snapshots, the clients. */
const endToEnd = [
  "test/e2e/**/*.test.ts",
  "test/Security/HostileInput.test.ts",
  "test/Security/BoundedErrors.test.ts",
  "test/Client/**/*.test.ts"
]

export default defineConfig({
  // The examples import the package by name, as its users do; in the repository that is src/.
  resolve: {
    alias: [
      { find: /^rampart\/server$/, replacement: fileURLToPath(new URL("./src/server.ts", import.meta.url)) },
      { find: /^rampart\/testing$/, replacement: fileURLToPath(new URL("./src/testing.ts", import.meta.url)) },
      { find: /^rampart$/, replacement: fileURLToPath(new URL("./src/index.ts", import.meta.url)) }
    ]
  },
  test: {
    globalSetup: ["test/support/BuildDist.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Everything on the default transport (fast), and the end-to-end files once more on the platform
    // transport (RAMPART_HTTP=platform), so the two cannot drift: same snapshots, same assertions.
    projects: [
      { extends: true, test: { name: "fast", include: ["test/**/*.test.ts"] } },
      {
        extends: true,
        test: { name: "platform", include: endToEnd, env: { RAMPART_TEST_HTTP: "platform", RAMPART_HTTP: "platform" } }
      }
    ]
  }
})
