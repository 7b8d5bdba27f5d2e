/**
 * The list of responses in flight (src/Server/Http/Transport/InFlightList.ts): entries come out in
 * the order they went in, a removal unlinks exactly its own entry (first, middle or last) and only
 * once, and the count follows.
 */
import { describe, expect, it } from "vitest"
import { makeInFlightList } from "../../../src/Server/Http/Transport/InFlightList.js"

const contents = <A>(list: { readonly forEach: (f: (value: A) => void) => void }): Array<A> => {
  const seen: Array<A> = []
  list.forEach((value) => seen.push(value))
  return seen
}

describe("InFlightList", () => {
  it("keeps the values in the order they were added, and counts them", () => {
    const list = makeInFlightList<string>()
    expect(list.size()).toBe(0)
    expect(contents(list)).toEqual([])
    list.add("a")
    list.add("b")
    list.add("c")
    expect(list.size()).toBe(3)
    expect(contents(list)).toEqual(["a", "b", "c"])
  })

  it("removes the first, a middle and the last entry, each exactly once", () => {
    const list = makeInFlightList<string>()
    const removeA = list.add("a")
    const removeB = list.add("b")
    const removeC = list.add("c")
    const removeD = list.add("d")
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
    const list = makeInFlightList<string>()
    list.add("a")()
    const first = list.add("x")
    list.add("x")
    expect(contents(list)).toEqual(["x", "x"])
    first()
    expect(contents(list)).toEqual(["x"])
    list.add("y")
    expect(contents(list)).toEqual(["x", "y"])
    expect(list.size()).toBe(2)
  })
})
