/**
 * Load as an operator's probe makes it: `concurrency` loops of one request each over keep-alive
 * `node:http` connections, recording every answer's status and every failure's error code, so a
 * test can tell a 503 from a reset (`ECONNRESET`) from a refused connection (`ECONNREFUSED`).
 */
import * as Http from "node:http"
import { type JsonRequest, send } from "../../bench/lib/Send.js"

/** One request of the load. */
export type LoadRequest = JsonRequest

/** What the load saw: counts by status and by error code, and the slowest answer. */
export interface LoadResult {
  readonly statuses: Map<number, number>
  readonly errors: Map<string, number>
  readonly slowestMs: number
  readonly total: number
}

/** Runs `concurrency` loops of `next()` requests until `stop()` says so (checked before each request). */
export const runLoad = async (
  base: string,
  concurrency: number,
  next: () => LoadRequest,
  stop: () => boolean
): Promise<LoadResult> => {
  const agent = new Http.Agent({ keepAlive: true, maxSockets: concurrency })
  const statuses = new Map<number, number>()
  const errors = new Map<string, number>()
  let slowestMs = 0
  let total = 0
  const loop = async () => {
    while (!stop()) {
      const started = performance.now()
      const answer = await send(base, agent, next())
      slowestMs = Math.max(slowestMs, performance.now() - started)
      total++
      if ("error" in answer) errors.set(answer.error, (errors.get(answer.error) ?? 0) + 1)
      else statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1)
      // A refused connection is the server gone: do not spin on it.
      if ("error" in answer) await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }
  await Promise.all(Array.from({ length: concurrency }, loop))
  agent.destroy()
  return { statuses, errors, slowestMs, total }
}
