#!/usr/bin/env node
// The `rampart` command: runs src/Cli/main.ts through tsx, so a clone works without a build step.
//
// tsx's loader hooks run off-thread on Node 20 and roughly triple the time to load a package of
// many small modules; the libraries every command needs are therefore loaded first, by Node alone
// (already-loaded modules do not go through the hooks again), and only Rampart's own TypeScript is
// loaded through tsx.
import { fileURLToPath } from "node:url"
import { register } from "tsx/esm/api"

await Promise.all([
  import("effect"),
  import("@effect/cli"),
  import("@effect/platform-node/NodeContext"),
  import("@effect/platform-node/NodeRuntime")
])
register({ tsconfig: fileURLToPath(new URL("../tsconfig.json", import.meta.url)) })
await import("../src/Cli/main.ts")
