/**
 * What a server has in flight (its responses), as a doubly linked list of small entries rather than a
 * `Set`. A long-lived `Set` that gains and loses an entry per request keeps old, dead copies of its
 * table in V8's old generation; the scavenger takes the stale pointers in them for live ones and
 * promotes whole requests (their fiber, context and sockets' objects) that died young, which cost
 * a loaded server about a tenth of its CPU in minor collections (docs/benchmarks.md, "Garbage").
 * An entry removed from this list has its links cleared, so nothing old points at a finished request.
 */

/** One value in the list; `value` is emptied when the entry is removed (values are objects, never undefined). */
interface Entry<A extends object> {
  value: A | undefined
  previous: Entry<A> | undefined
  next: Entry<A> | undefined
}

/** What is in flight: add a value (its removal function back), count, visit. */
export interface InFlightList<A extends object> {
  /** Adds `value`; the function that removes it (once; later calls do nothing). */
  readonly add: (value: A) => () => void
  /** How many values are in the list. */
  readonly size: () => number
  /** Calls `f` on each value, oldest first. */
  readonly forEach: (f: (value: A) => void) => void
}

/** An empty list. */
export const makeInFlightList = <A extends object>(): InFlightList<A> => {
  let first: Entry<A> | undefined
  let last: Entry<A> | undefined
  let size = 0
  return {
    add: (value) => {
      const entry: Entry<A> = { value, previous: last, next: undefined }
      if (last === undefined) first = entry
      else last.next = entry
      last = entry
      size++
      return () => {
        if (entry.value === undefined) return
        if (entry.previous === undefined) first = entry.next
        else entry.previous.next = entry.next
        if (entry.next === undefined) last = entry.previous
        else entry.next.previous = entry.previous
        entry.value = entry.previous = entry.next = undefined
        size--
      }
    },
    size: () => size,
    forEach: (f) => {
      for (let entry = first; entry !== undefined; entry = entry.next) f(entry.value!)
    }
  }
}
