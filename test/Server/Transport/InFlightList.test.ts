/**
 * The list of responses in flight (src/Server/Http/Transport/InFlightList.ts): entries come out in
 * the order they went in, a removal unlinks exactly its own entry (first, middle or last) and only
 * once, and the count follows.
 */
import { describe, expect, it } from "vitest"
import { makeInFlightList } from "../../../src/Server/Http/Transport/InFlightList.js"

/** A value as the gate's are: an object (here named, to read the list's order). */
interface Named {
  readonly name: string
}

/** The names of the list's values, oldest first. */
const contents = (list: { readonly forEach: (f: (value: Named) => void) => void }): Array<string> => {
  const seen: Array<string> = []
  list.forEach((value) => seen.push(value.name))
  return seen
}

describe("InFlightList", () => {
  it("keeps the values in the order they were added, and counts them", () => {
    const list = makeInFlightList<Named>()
    expect(list.size()).toBe(0)
    expect(contents(list)).toEqual([])
    list.add({ name: "a" })
    list.add({ name: "b" })
    list.add({ name: "c" })
    expect(list.size()).toBe(3)
    expect(contents(list)).toEqual(["a", "b", "c"])
  })

  it("removes the first, a middle and the last entry, each exactly once", () => {
    const list = makeInFlightList<Named>()
    const removeA = list.add({ name: "a" })
    const removeB = list.add({ name: "b" })
    const removeC = list.add({ name: "c" })
    const removeD = list.add({ name: "d" })
    removeB()
    expect(contents(list)).toEqual(["a", "c", "d"])
    removeA()
    expect(contents(list)).toEqual(["c", "d"])
    removeD()
    expect(contents(list)).toEqual(["c"])
    // A second call does nothing, however often.
    removeB()
    removeD()
    expect(list.size()).toBe(1)
    expect(contents(list)).toEqual(["c"])
    removeC()
    expect(list.size()).toBe(0)
    expect(contents(list)).toEqual([])
  })

  it("appends after everything was removed, and keeps a value added twice as two entries", () => {
    const list = makeInFlightList<Named>()
    list.add({ name: "a" })()
    const x = { name: "x" }
    const first = list.add(x)
    list.add(x)
    expect(contents(list)).toEqual(["x", "x"])
    first()
    expect(contents(list)).toEqual(["x"])
    list.add({ name: "y" })
    expect(contents(list)).toEqual(["x", "y"])
    expect(list.size()).toBe(2)
  })
})
