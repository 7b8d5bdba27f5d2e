/** Vitest global set-up: builds dist/ when it is older than src/, so tests of the executable and the package run today's code. */
import { buildIfStale } from "../../scripts/build.mjs"

/** Runs once before the test files. */
export default async function setup(): Promise<void> {
  await buildIfStale()
}
