/**
 * Sandbox fault injection: the next `count` requests to a method and exact path are delayed and/or
 * answered with a chosen status instead of being handled. Faults live in the memory of the
 * instance that was told (they are test scaffolding, not state worth a table); taking one is
 * atomic, so `count` concurrent requests see it exactly `count` times.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import { randomUUID } from "node:crypto"
import type { FaultRequest } from "../../Domain/Sandbox.js"

/** A fault still to be applied `remaining` more times. */
interface ArmedFault {
  readonly id: string
  readonly method: string
  readonly path: string
  readonly status: number | undefined
  readonly delayMs: number | undefined
  readonly remaining: number
}

/** What a request hit by a fault gets. */
export interface FaultHit {
  readonly id: string
  readonly status: number | undefined
  readonly delayMs: number | undefined
}

/** The faults armed on this instance. */
export class Faults extends Effect.Service<Faults>()("Rampart/Server/Faults", {
  effect: Effect.gen(function*() {
    const armed = yield* Ref.make<ReadonlyArray<ArmedFault>>([])

    /** Arms a fault; its id. */
    const add = (fault: FaultRequest) =>
      Effect.flatMap(Effect.sync(randomUUID), (id) =>
        Ref.update(armed, (faults) => [
          ...faults,
          {
            id,
            method: fault.method,
            path: fault.path,
            status: fault.status,
            delayMs: fault.delayMs,
            remaining: fault.count
          }
        ]).pipe(Effect.as(id)))

    /** The first armed fault for `method` `path`, spent once (removed when it has no use left). */
    const take = (method: string, path: string): Effect.Effect<Option.Option<FaultHit>> =>
      Ref.modify(armed, (faults) => {
        const index = faults.findIndex((fault) => fault.method === method && fault.path === path)
        if (index < 0) return [Option.none(), faults]
        const fault = faults[index]!
        const spent = fault.remaining > 1 ? [{ ...fault, remaining: fault.remaining - 1 }] : []
        const rest = [...faults.slice(0, index), ...spent, ...faults.slice(index + 1)]
        return [Option.some({ id: fault.id, status: fault.status, delayMs: fault.delayMs }), rest]
      })

    /** Disarms every fault. */
    const clear = Ref.set(armed, [])

    return { add, take, clear }
  })
}) {}
