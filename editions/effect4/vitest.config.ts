import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

export default defineConfig({
  // `#shared/*` is the repository's src/Shared/ (Effect-free code both editions compile); the
  // published package resolves it to its dist/shared/ through package.json "imports".
  resolve: {
    alias: [{
      find: /^#shared\/(.*)\.js$/,
      replacement: fileURLToPath(new URL("../../src/Shared/$1.ts", import.meta.url))
    }]
  },
  test: {
    // The root's dist/ (the reference server these tests run against) is built when stale.
    globalSetup: ["test/support/BuildServer.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    include: ["test/**/*.test.ts"]
  }
})
