/**
 * The sandbox seed plan: what every start and every `POST /sandbox/reset` create. With
 * `RAMPART_SEED=path.json` it is the accounts of that file (`SeedFile.ts`); without it, the demo
 * accounts of `demo.json` (`DemoAccounts.ts`) when the entry point asked for them; else nothing.
 * The accounts are created through the steps of `Seeding.ts`.
 */
import type * as SqlClient from "@effect/sql/SqlClient"
import * as Console from "effect/Console"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { ServerConfig } from "../Config.js"
import type { RampartServices } from "../Layers.js"
import { demoSeed, seedAndPrintDemo } from "./DemoAccounts.js"
import type { Sandbox } from "./Sandbox.js"
import { readSeedFile, type SeedFileError } from "./SeedFile.js"
import { type SeededAccount, Seeding } from "./Seeding.js"

/** What start and reset apply: the seed file, the demo accounts, or nothing. */
export interface SeedPlan {
  /** Creates the seed's missing accounts; what happened to each. */
  readonly apply: Effect.Effect<ReadonlyArray<SeededAccount>>
  /** At start: applies the seed and says what it did (the demo banner for the demo seed). */
  readonly applyAtStart: Effect.Effect<void>
  /** Where the seed comes from. */
  readonly source: "file" | "demo" | "none"
}

/** No seed: start and reset create no account. */
const noSeed: SeedPlan = { source: "none", apply: Effect.succeed([]), applyAtStart: Effect.void }

/** The sandbox's seed, as the server was started with it. */
export class SandboxSeed extends Context.Tag("Rampart/Server/SandboxSeed")<SandboxSeed, SeedPlan>() {}

/**
 * The sandbox seed plan as a host's `HttpApi` uses it (`layerSandboxHttp` needs it): over the public
 * domain services. The seeding steps also use the store's internals (repositories, the secret box,
 * the `SqlClient`), which every layer that provides `RampartServices` (`layerServices`,
 * `layerServicesOnSqlClient`, `layerTest`) brings along at run time; its type names only the public ones.
 */
export const layerSandboxSeed = (
  demo: boolean
): Layer.Layer<SandboxSeed, SeedFileError, ServerConfig | RampartServices> =>
  makeSandboxSeed(demo) as unknown as Layer.Layer<SandboxSeed, SeedFileError, ServerConfig | RampartServices>

/** One line per seeded account for the start-up banner: created, present, or left alone and why. */
const seededLines = (accounts: ReadonlyArray<SeededAccount>): Array<string> =>
  accounts.map((account) =>
    Either.match(account.outcome, {
      onLeft: (reason) =>
        `  ${
          account.kind.padEnd(8)
        } ${account.email}: left as it is (${reason}); its seeded credentials will be refused`,
      onRight: (outcome) =>
        `  ${account.kind.padEnd(8)} ${account.email}: ${outcome === "created" ? "created" : "already there"}`
    })
  )

/**
 * The seed of `ServerConfig.seedFile` when set (read and checked now, so a bad file stops the
 * start), else the demo accounts when `demo` is asked for, else none.
 */
const makeSandboxSeed = (demo: boolean) =>
  Layer.effect(
    SandboxSeed,
    Effect.gen(function*() {
      const config = yield* ServerConfig
      if (config.mode !== "sandbox") return noSeed
      const context = yield* Effect.context<Sandbox | Seeding | ServerConfig | SqlClient.SqlClient>()
      const run = <A, E>(effect: Effect.Effect<A, E, Sandbox | Seeding | ServerConfig | SqlClient.SqlClient>) =>
        Effect.orDie(Effect.provide(effect, context))
      if (Option.isSome(config.seedFile)) {
        const file = config.seedFile.value
        const seeding = yield* Seeding
        const seed = yield* readSeedFile(file)
        const apply = run(seeding.applyFile(seed))
        const applyAtStart = Effect.flatMap(apply, (accounts) =>
          Console.log(
            [
              `Rampart sandbox on http://${config.host}:${config.port}, seeded from ${file}:`,
              ...seededLines(accounts),
              ""
            ].join("\n")
          ))
        return { source: "file", apply, applyAtStart } satisfies SeedPlan
      }
      if (demo) return { source: "demo", apply: run(demoSeed), applyAtStart: run(seedAndPrintDemo) } satisfies SeedPlan
      return noSeed
    })
  ).pipe(Layer.provide(Seeding.Default))

/** At start, in sandbox mode: applies the seed and says what it did. */
export const layerSeedAtStart = Layer.effectDiscard(Effect.flatMap(SandboxSeed, (seed) => seed.applyAtStart))
