/**
 * install-size: MiB (file sizes) of what installing the packed `rampart` adds to a project that already
 * has its required peers (effect, @effect/platform, ...): the package itself (`npm pack`'s unpacked
 * size) plus the production dependency closure of its `dependencies` (each package's files, its
 * nested node_modules counted as packages of their own, each package once; the walk follows
 * `dependencies`, installed `optionalDependencies` and non-optional `peerDependencies` and stops at
 * rampart's own peers). The closure is walked in this repository's node_modules (installed from
 * package-lock.json, as a consumer's npm would install the same versions). Ratio: that ÷ the closure
 * of `effect` + `@effect/platform`, the floor of any Effect HTTP program. No goal: it is reported.
 */
import { lstatSync, readdirSync, readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { buildIfStale } from "../../scripts/build.mjs"
import { root, runCommand } from "../lib/Processes.js"
import { measured } from "../lib/Report.js"
import type { BenchItem } from "./Item.js"

/** The fields of a package.json the walk reads. */
interface Manifest {
  readonly dependencies?: Record<string, string>
  readonly optionalDependencies?: Record<string, string>
  readonly peerDependencies?: Record<string, string>
  readonly peerDependenciesMeta?: Record<string, { readonly optional?: boolean }>
}

const manifest = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest

/** The directory `name` resolves to from the package in `from` (Node's lookup up the node_modules chain). */
const resolvePackage = (from: string, name: string): string | undefined => {
  for (let dir = from;; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name)
    try {
      if (lstatSync(join(candidate, "package.json")).isFile()) return candidate
    } catch {
      // not installed at this level
    }
    if (dir === root || dirname(dir) === dir) return undefined
  }
}

/** Bytes of the files under `dir`, not counting its nested node_modules (those are packages of their own). */
const packageBytes = (dir: string): number => {
  let total = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules") continue
    const path = join(dir, entry.name)
    if (entry.isDirectory()) total += packageBytes(path)
    else if (entry.isFile()) total += lstatSync(path).size
  }
  return total
}

/** The names a package needs installed: its dependencies, optional dependencies and non-optional peers. */
const needs = (m: Manifest): Array<string> => [
  ...Object.keys(m.dependencies ?? {}),
  ...Object.keys(m.optionalDependencies ?? {}),
  ...Object.keys(m.peerDependencies ?? {}).filter((name) => m.peerDependenciesMeta?.[name]?.optional !== true)
]

/** The package directories reachable from `names` (resolved from `from`), never entering `stop`. */
const closure = (from: string, names: ReadonlyArray<string>, stop: ReadonlySet<string> = new Set()): Set<string> => {
  const seen = new Set<string>()
  const visit = (at: string, name: string) => {
    if (stop.has(name)) return
    const dir = resolvePackage(at, name)
    if (dir === undefined || seen.has(dir)) return
    seen.add(dir)
    for (const next of needs(manifest(dir))) visit(dir, next)
  }
  for (const name of names) visit(from, name)
  return seen
}

const mib = (bytes: number) => bytes / 2 ** 20
const closureMiB = (dirs: ReadonlySet<string>) => mib([...dirs].reduce((sum, dir) => sum + packageBytes(dir), 0))

/** The install-size item. */
export const installSize: BenchItem<void> = {
  name: "install-size",
  run: async () => {
    await buildIfStale()
    const packed = JSON.parse(await runCommand("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"])) as Array<
      { readonly unpackedSize: number; readonly entryCount: number }
    >
    const own = manifest(root)
    const peers = new Set(Object.keys(own.peerDependencies ?? {}))
    const dependencies = closure(root, Object.keys(own.dependencies ?? {}), peers)
    const ours = mib(packed[0]!.unpackedSize) + closureMiB(dependencies)
    const baseline = closureMiB(closure(root, ["effect", "@effect/platform"]))
    // For the note: the largest packages of the closure, the required peers, and what OTLP would add.
    const largest = [...dependencies].map((dir) => ({ dir, size: mib(packageBytes(dir)) }))
      .sort((a, b) => b.size - a.size).slice(0, 4)
      .map(({ dir, size }) =>
        `${dir.slice(dir.lastIndexOf("node_modules/") + "node_modules/".length)} ${size.toFixed(1)}`
      )
    const required = [...peers].filter((name) => own.peerDependenciesMeta?.[name]?.optional !== true)
    const withPeers = mib(packed[0]!.unpackedSize) +
      closureMiB(closure(root, [...Object.keys(own.dependencies ?? {}), ...required]))
    const otlp = closureMiB(closure(root, ["@effect/opentelemetry"], new Set(required)))
    return measured(
      "MiB",
      undefined,
      [{ ours, baseline }],
      `rampart (packed: ${mib(packed[0]!.unpackedSize).toFixed(1)} MiB, ${
        packed[0]!.entryCount
      } files) + the closure of its dependencies (${dependencies.size} packages; largest, MiB: ${
        largest.join(", ")
      }), not counting its peers, vs the closure of effect + @effect/platform; with the required peers (${
        required.join(", ")
      }): ${withPeers.toFixed(1)} MiB; the optional @effect/opentelemetry with its peers would add ${
        otlp.toFixed(1)
      } MiB`,
      {
        packedMiB: mib(packed[0]!.unpackedSize),
        withRequiredPeersMiB: withPeers,
        otlpMiB: otlp,
        packages: dependencies.size
      }
    )
  }
}
