/**
 * What several items share: the seeded password hash, and the small store (10^3 users, each with a
 * refresh token) with one Rampart server on it for refresh-rps, login-rps, client-overhead and
 * error-amplification (started only when one of them runs).
 */
import { onCleanup } from "../lib/Cleanups.js"
import { cores } from "../lib/Processes.js"
import { type Server, startRampart } from "../lib/Servers.js"
import {
  type BenchKeys,
  type BenchStore,
  freshSqlite,
  makeKeys,
  migrateStore,
  seed,
  type Seeded,
  seededPasswordHash
} from "../lib/Store.js"

/** The small store, its keys and seeded tokens, the PHC string of the seeded password and (when needed) Rampart on that store. */
export interface Shared {
  readonly phc: string
  readonly keys: BenchKeys
  readonly small: BenchStore
  readonly smallSeed: Seeded
  readonly ours: Server | undefined
}

/** Seeds the small store and, when `needsRampart`, starts Rampart on it (pinned to the server core). */
export const prepareShared = async (needsRampart: boolean): Promise<Shared> => {
  const phc = await seededPasswordHash()
  const keys = makeKeys()
  const small = freshSqlite()
  onCleanup(small.drop)
  await migrateStore(small.url)
  const smallSeed = await seed(small, keys, 1000, 1000, phc)
  const ours = needsRampart ? await startRampart(small, keys, cores.server) : undefined
  return { phc, keys, small, smallSeed, ours }
}

/** The shared Rampart server (an item that needs it is listed where run.ts decides to start it). */
export const rampart = (shared: Shared): Server => {
  if (shared.ours === undefined) throw new Error("the shared Rampart server was not started")
  return shared.ours
}
