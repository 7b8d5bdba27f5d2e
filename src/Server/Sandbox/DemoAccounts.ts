/**
 * Sandbox demo data: on first start a demo user and a demo partner are created and their
 * credentials kept in `<state dir>/demo.json` (mode 0600); every start prints them. A later start
 * on another store (a new `RAMPART_DATABASE_URL`) creates them there when missing, with the same
 * credentials; an account of that email with other credentials is left alone and its credentials
 * are not printed (a line says why).
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { randomBytes } from "node:crypto"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { ServerConfig } from "../Config.js"
import { shownDatabaseUrl } from "../Store/Database.js"
import { Sandbox } from "./Sandbox.js"
import { type SeededAccount, Seeding, type SeedOutcome, seedOutcome } from "./Seeding.js"

/** What the sandbox prints so a newcomer can log in at once. */
export interface DemoCredentials {
  readonly user: { readonly email: string; readonly password: string }
  readonly partner: {
    readonly email: string
    readonly password: string
    readonly client_id: number
    readonly client_secret: string
    readonly totp_secret: string
    readonly totp_uri: string
  }
}

const newPassword = () => randomBytes(12).toString("base64url")

/** The demo credentials and, for each account, whether they work in the current store (or why not). */
interface DemoState {
  readonly demo: DemoCredentials
  readonly user: Either.Either<SeedOutcome, string>
  readonly partner: Either.Either<SeedOutcome, string>
  /** The accounts and `demo.json` were created just now. */
  readonly firstStart: boolean
}

/** Makes sure the accounts of an existing `demo.json` are in the current store, creating them when missing. */
const reseedDemo = (demo: DemoCredentials) =>
  Effect.gen(function*() {
    const seeding = yield* Seeding
    const { partner, user } = demo
    return {
      demo,
      user: yield* seedOutcome(seeding.ensureUser(user.email, Redacted.make(user.password))),
      partner: yield* seedOutcome(seeding.ensurePartner(partner.email, Redacted.make(partner.password), partner)),
      firstStart: false
    } satisfies DemoState
  })

/**
 * Creates the demo accounts and `demo.json` on first start, or makes sure the accounts of an
 * existing `demo.json` are in the current store; `None` when the accounts exist without the file.
 */
const ensureDemo = Effect.gen(function*() {
  const config = yield* ServerConfig
  const sandbox = yield* Sandbox
  const file = join(config.stateDirectory, "demo.json")
  if (existsSync(file)) return Option.some(yield* reseedDemo(JSON.parse(readFileSync(file, "utf8")) as DemoCredentials))
  const user = { email: "demo@rampart.test", password: newPassword() }
  const partnerLogin = { email: "partner@rampart.test", password: newPassword() }
  const created = yield* Effect.all([
    sandbox.createUser(user.email, Redacted.make(user.password)),
    sandbox.createPartner(partnerLogin.email, Redacted.make(partnerLogin.password))
  ]).pipe(Effect.option)
  if (Option.isNone(created)) return Option.none<DemoState>()
  const demo: DemoCredentials = { user, partner: { ...partnerLogin, ...created.value[1] } }
  mkdirSync(config.stateDirectory, { recursive: true })
  writeFileSync(file, JSON.stringify(demo, null, 2) + "\n", { mode: 0o600 })
  return Option.some<DemoState>({
    demo,
    user: Either.right("created"),
    partner: Either.right("created"),
    firstStart: true
  })
})

/** Seeds (first start) and prints the demo credentials. */
export const seedAndPrintDemo = Effect.gen(function*() {
  const config = yield* ServerConfig
  const demo = yield* ensureDemo
  if (Option.isNone(demo)) {
    return yield* Console.log(
      "Sandbox demo accounts exist but demo.json is missing; create new ones with POST /sandbox/users"
    )
  }
  const { partner, user } = demo.value.demo
  const base = `http://${config.host}:${config.port}`
  // Only credentials that work in this store are printed; for the others, what happened.
  const unusable = (reason: string) =>
    `not printed: ${reason}, so the credentials in demo.json would be refused here ` +
    `(that account was left as it is; use the state directory that seeded this store, or create an account with POST ${base}/sandbox/users)`
  const reseeded = !demo.value.firstStart &&
    [demo.value.user, demo.value.partner].some((outcome) => Either.getOrNull(outcome) === "created")
  yield* Console.log(
    [
      "",
      `Rampart sandbox on ${base}  (docs: ${base}/docs, store: ${shownDatabaseUrl(config.databaseUrl)})`,
      ...Either.match(demo.value.user, {
        onLeft: (reason) => [`  demo user     ${unusable(reason)}`],
        onRight: () => [`  demo user     email=${user.email} password=${user.password}`]
      }),
      ...Either.match(demo.value.partner, {
        onLeft: (reason) => [`  demo partner  ${unusable(reason)}`],
        onRight: () => [
          `  demo partner  email=${partner.email} password=${partner.password}`,
          `                client_id=${partner.client_id} client_secret=${partner.client_secret}`,
          `                totp_secret=${partner.totp_secret}  (oathtool --totp -b ${partner.totp_secret})`,
          `                ${partner.totp_uri}`
        ]
      }),
      ...(reseeded
        ? ["  (accounts of demo.json that this store lacked were created in it, with the same credentials)"]
        : []),
      `  codes sent by EMAIL/SMS: GET ${base}/sandbox/outbox?to=<email or +phone>`,
      ""
    ].join("\n")
  )
})

/** The demo accounts as a seed (what `POST /sandbox/reset` re-applies): created when missing, each account's outcome. */
export const demoSeed = Effect.map(ensureDemo, (state): ReadonlyArray<SeededAccount> =>
  Option.match(state, {
    onNone: () => [],
    onSome: ({ demo, partner, user }) => [
      { kind: "user", email: demo.user.email, outcome: user },
      { kind: "partner", email: demo.partner.email, outcome: partner }
    ]
  }))
