/**
 * The sandbox seed: the accounts every start and every `POST /sandbox/reset` create. With
 * `RAMPART_SEED=path.json` they are the users (email, password, optionally a validated TOTP secret
 * and a validated phone) and partners (email, password, client id, client secret, TOTP secret) of
 * that file, so an integrator's CI gets the same credentials on every start; a bad file stops the
 * start with one line naming the file, the entry and the field. Without it, the demo accounts of
 * `demo.json` are the seed (`Demo.ts`), when the entry point asked for them.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as Console from "effect/Console"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { readFileSync } from "node:fs"
import { Email, NewPassword } from "../../Domain/Credentials.js"
import { ClientId } from "../../Domain/Partner.js"
import { E164 } from "../../Domain/Phone.js"
import { lengthBetween, strictFields } from "../../Domain/Requests.js"
import { TotpSecretInput } from "../../Domain/Sandbox.js"
import { ServerConfig } from "../Config.js"
import { demoSeed, seedAndPrintDemo } from "../Demo.js"
import { Sandbox, type SeedOutcome, seedOutcome } from "./Sandbox.js"

/** A user of the seed file. */
const SeedUser = Schema.Struct({
  email: Email,
  password: NewPassword,
  totp_secret: Schema.optional(TotpSecretInput),
  phone: Schema.optional(E164.annotations({ message: () => "must be an E.164 phone number such as +34612345678" }))
}).annotations(strictFields)

/** A partner of the seed file. */
const SeedPartner = Schema.Struct({
  email: Email,
  password: NewPassword,
  client_id: ClientId,
  client_secret: lengthBetween(32, 256, "must be a client secret of 32 to 256 characters"),
  totp_secret: TotpSecretInput
}).annotations(strictFields)

/** The seed file: `{ "users": [...], "partners": [...] }`, both optional. */
export const SeedFile = Schema.Struct({
  users: Schema.optionalWith(Schema.Array(SeedUser), { default: () => [] }),
  partners: Schema.optionalWith(Schema.Array(SeedPartner), { default: () => [] })
}).annotations(strictFields)
/** The decoded seed file. */
export type SeedFile = typeof SeedFile.Type

/** The seed file cannot be read or does not match `SeedFile`: one line naming the file, the entry and the field. */
export class SeedFileError extends Data.TaggedError("SeedFileError")<{ readonly message: string }> {}

/** An issue's path as people write it: `partners[1].client_secret`. */
const pathText = (path: ReadonlyArray<PropertyKey>): string =>
  path.map((key, i) => (typeof key === "number" ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`)).join("")

/** Reads and checks the seed file at `path`. */
export const readSeedFile = (path: string): Effect.Effect<SeedFile, SeedFileError> =>
  Effect.gen(function* () {
    const fail = (why: string) => new SeedFileError({ message: `RAMPART_SEED file ${path}: ${why}` })
    const text = yield* Effect.try({ try: () => readFileSync(path, "utf8"), catch: () => fail("cannot be read") })
    const json = yield* Effect.try({ try: () => JSON.parse(text) as unknown, catch: (e) => fail(`is not JSON (${(e as Error).message})`) })
    return yield* Either.mapLeft(Schema.decodeUnknownEither(SeedFile, { errors: "first" })(json), (error) => {
      const issue = ParseResult.ArrayFormatter.formatErrorSync(error)[0]
      if (issue === undefined) return fail("does not match the seed format")
      const where = issue.path.length === 0 ? "" : `${pathText(issue.path)}: `
      return fail(`${where}${issue.message}`)
    })
  })

/** How one seeded account stands: its email and outcome, or why it was left alone. */
export interface SeededAccount {
  readonly kind: "user" | "partner"
  readonly email: string
  readonly outcome: Either.Either<SeedOutcome, string>
}

/** Creates what the seed file declares and the store lacks; accounts with other credentials are reported, not changed. */
export const applySeedFile = (seed: SeedFile) =>
  Effect.gen(function* () {
    const sandbox = yield* Sandbox
    const users = yield* Effect.forEach(seed.users, (user) =>
      Effect.map(
        seedOutcome(sandbox.ensureSeedUser(user.email, user.password, { totpSecret: user.totp_secret, phone: user.phone })),
        (result): SeededAccount => ({ kind: "user", email: user.email, outcome: result })
      )
    )
    const partners = yield* Effect.forEach(seed.partners, (partner) =>
      Effect.map(
        seedOutcome(sandbox.ensurePartner(partner.email, partner.password, partner)),
        (result): SeededAccount => ({ kind: "partner", email: partner.email, outcome: result })
      )
    )
    return [...users, ...partners]
  })

/** What start and reset apply: the seed file, the demo accounts, or nothing. */
export interface SeedPlan {
  /** Creates the seed's missing accounts; what happened to each. */
  readonly apply: Effect.Effect<ReadonlyArray<SeededAccount>>
  /** Where the seed comes from. */
  readonly source: "file" | "demo" | "none"
}

/** No seed: start and reset create no account. */
const noSeed: SeedPlan = { source: "none", apply: Effect.succeed([]) }

/** The sandbox's seed, as the server was started with it. */
export class SandboxSeed extends Context.Tag("Rampart/Server/SandboxSeed")<SandboxSeed, SeedPlan>() {}

/**
 * The seed of `ServerConfig.seedFile` when set (read and checked now, so a bad file stops the
 * start), else the demo accounts when `demo` is asked for, else none.
 */
export const layerSandboxSeed = (demo: boolean) =>
  Layer.effect(
    SandboxSeed,
    Effect.gen(function* () {
      const config = yield* ServerConfig
      const context = yield* Effect.context<Sandbox | ServerConfig | SqlClient.SqlClient>()
      if (config.mode !== "sandbox") return noSeed
      if (Option.isSome(config.seedFile)) {
        const seed = yield* readSeedFile(config.seedFile.value)
        return { source: "file", apply: Effect.orDie(Effect.provide(applySeedFile(seed), context)) } satisfies SeedPlan
      }
      if (demo) return { source: "demo", apply: Effect.orDie(Effect.provide(demoSeed, context)) } satisfies SeedPlan
      return noSeed
    })
  )

/** One line per seeded account for the start-up banner: created, present, or left alone and why. */
const seededLines = (accounts: ReadonlyArray<SeededAccount>): Array<string> =>
  accounts.map((account) =>
    Either.match(account.outcome, {
      onLeft: (reason) => `  ${account.kind.padEnd(8)} ${account.email}: left as it is (${reason}); its seeded credentials will be refused`,
      onRight: (outcome) => `  ${account.kind.padEnd(8)} ${account.email}: ${outcome === "created" ? "created" : "already there"}`
    })
  )

/** At start, in sandbox mode: applies the seed and says what it did (the demo banner for the demo seed). */
export const layerSeedAtStart = Layer.effectDiscard(
  Effect.gen(function* () {
    const seed = yield* SandboxSeed
    const config = yield* ServerConfig
    if (seed.source === "demo") return yield* seedAndPrintDemo
    if (seed.source === "none") return
    const accounts = yield* seed.apply
    yield* Console.log(
      [`Rampart sandbox on http://${config.host}:${config.port}, seeded from ${Option.getOrElse(config.seedFile, () => "")}:`, ...seededLines(accounts), ""].join("\n")
    )
  })
)
