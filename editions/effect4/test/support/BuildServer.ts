/** Vitest global set-up: builds the repository's dist/ (the Effect 3 reference server) when it is older than its sources. */
import { buildIfStale } from "../../../../scripts/build.mjs"

/** Runs once before the test files. */
export default async function setup(): Promise<void> {
  await buildIfStale()
}
