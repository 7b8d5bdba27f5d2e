/** Every exported symbol of src/ and of the Effect 4 edition (editions/effect4/src/) carries a doc comment (docs/architecture.md "Conventions"). */
import { describe, expect, it } from "@effect/vitest"
import { readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"

const files = (dir: string): Array<string> =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? files(path) : path.endsWith(".ts") ? [path] : []
  })

/** `file:line name` for each export declaration whose preceding line does not close a doc comment. */
const undocumented = (path: string): Array<string> => {
  const lines = readFileSync(path, "utf8").split("\n")
  const missing: Array<string> = []
  lines.forEach((line, i) => {
    const match = /^export (?:declare )?(?:abstract )?(?:const|class|interface|type|function|enum) ([A-Za-z0-9_$]+)/
      .exec(line)
    if (match === null) return
    let j = i - 1
    while (j >= 0 && /^\s*(\/\/.*)?$/.test(lines[j]!)) j--
    if (j < 0 || !lines[j]!.trim().endsWith("*/")) missing.push(`${path}:${i + 1} ${match[1]}`)
  })
  return missing
}

describe("doc comments", () => {
  it("every export in src/ has one", () => {
    expect(files("src").flatMap(undocumented)).toEqual([])
  })

  it("every export in editions/effect4/src/ has one", () => {
    expect(files("editions/effect4/src").flatMap(undocumented)).toEqual([])
  })
})
