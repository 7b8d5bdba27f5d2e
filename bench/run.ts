/**
 * `npm run bench`: Rampart against baselines measured in the same run, interleaved round by round
 * (ours, baseline, baseline, ours, ...) because the machine is shared and absolute numbers drift.
 * Servers run in their own processes pinned to one core, load generators on the other (taskset),
 * stores are fresh and removed afterwards. Prints a table and writes bench/results/latest.json as
 * `[{ name, ours, baseline, unit, ratio }]` (ratio = median of the per-round ratios); the rounds,
 * spreads and CPU figures go to bench/results/latest-details.json (a BENCH_ONLY run writes
 * latest-only.json and latest-only-details.json instead). Method: docs/benchmarks.md.
 *
 * Environment: RAMPART_BENCH_DATABASE_URL (PostgreSQL admin URL for pg-scale-out; default
 * RAMPART_TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:55432/rampart_test),
 * BENCH_SECONDS (length of one timed side of a round, default 3), BENCH_ONLY (comma-separated
 * item names), BENCH_NO_CACHE=1 (re-seed the 10^6-user store). RAMPART_HTTP / RAMPART_TRACING and
 * the other RAMPART_* variables reach the Rampart servers as they would reach `npm start`.
 *
 * This file only orchestrates: one module per item in bench/items/, load and interleaving in
 * bench/lib/Load.ts, servers in bench/lib/Servers.ts, stores in bench/lib/Store.ts, the table and
 * results files in bench/lib/Report.ts. The peer-* items (bench/items/Peers.ts) run last, against
 * better-auth (bench/peers/BetterAuthServer.ts, a dev dependency of the benchmarks only).
 */
import { clientOverhead } from "./items/ClientOverhead.js"
import { cliStart } from "./items/CliStart.js"
import { errorAmplification } from "./items/ErrorAmplification.js"
import { importClient } from "./items/ImportClient.js"
import { installSize } from "./items/InstallSize.js"
import type { BenchItem } from "./items/Item.js"
import { loginRps } from "./items/LoginRps.js"
import { onPeers, peerRss, peerStartup, peersWanted, preparePeers, stopPeers } from "./items/Peers.js"
import { pgScaleOut } from "./items/PgScaleOut.js"
import { refreshRps } from "./items/RefreshRps.js"
import { refreshScale } from "./items/RefreshScale.js"
import { requestLogs } from "./items/RequestLogs.js"
import { prepareShared } from "./items/Shared.js"
import { soak } from "./items/Soak.js"
import { totpVerify } from "./items/TotpVerify.js"
import { verifyOverhead } from "./items/VerifyOverhead.js"
import { runCleanups } from "./lib/Cleanups.js"
import { log } from "./lib/Log.js"
import { wanted } from "./lib/Options.js"
import { cores, pinning } from "./lib/Processes.js"
import { type Item, report } from "./lib/Report.js"

const items: Array<Item> = []
const failures: Array<string> = []

/** Runs `item` on `input` when BENCH_ONLY wants it; records what it measured, or its failure. */
const attempt = async <In>(item: BenchItem<In>, input: In) => {
  if (!wanted(item.name)) return
  log(`${item.name}: start`)
  try {
    items.push({ name: item.name, ...(await item.run(input)) })
  } catch (error) {
    failures.push(`${item.name}: ${error instanceof Error ? error.message : String(error)}`)
    log(`${item.name}: FAILED ${error instanceof Error ? error.message : String(error)}`)
  }
}

/** The items in table order; the ones on the shared Rampart server run while it is up. */
const main = async () => {
  log(
    `pinning: ${
      pinning ? `servers on core ${cores.server}, load on core ${cores.load}` : "off (one core or no taskset)"
    }`
  )
  await attempt(cliStart, undefined)
  await attempt(installSize, undefined)
  await attempt(importClient, undefined)
  const onShared = [refreshRps, loginRps, clientOverhead, errorAmplification]
  const shared = await prepareShared(onShared.some((item) => wanted(item.name)))
  for (const item of onShared) await attempt(item, shared)
  await attempt(requestLogs, shared)
  await attempt(totpVerify, undefined)
  await attempt(verifyOverhead, undefined)
  await attempt(refreshScale, shared)
  if (shared.ours !== undefined) await shared.ours.child.stop()
  await attempt(pgScaleOut, shared)
  await attempt(soak, undefined)
  // The peer table against better-auth (bench/peers/BetterAuthServer.ts).
  await attempt(peerStartup, undefined)
  await attempt(peerRss, undefined)
  const peers = await preparePeers(peersWanted())
  for (const item of onPeers) await attempt(item, peers)
  await stopPeers(peers)
}

try {
  await main()
} catch (error) {
  failures.push(`setup: ${error instanceof Error ? error.stack ?? error.message : String(error)}`)
} finally {
  await runCleanups()
}
report(items, failures)
process.exitCode = failures.length > 0 ? 1 : 0
