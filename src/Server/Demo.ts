/**
 * Sandbox demo data: on first start a demo user and a demo partner are created and their
 * credentials kept in `<state dir>/demo.json` (mode 0600); every start prints them.
 */
import { Console, Effect, Option, Redacted } from "effect"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { randomBytes } from "node:crypto"
import { join } from "node:path"
import { ServerConfig } from "./Config.js"
import { Sandbox } from "./Sandbox/Sandbox.js"

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

/** Creates the demo accounts unless `demo.json` exists; `None` when the accounts exist without the file. */
const ensureDemo = Effect.gen(function* () {
  const config = yield* ServerConfig
  const sandbox = yield* Sandbox
  const file = join(config.stateDirectory, "demo.json")
  if (existsSync(file)) return Option.some(JSON.parse(readFileSync(file, "utf8")) as DemoCredentials)
  const user = { email: "demo@rampart.test", password: newPassword() }
  const partnerLogin = { email: "partner@rampart.test", password: newPassword() }
  const created = yield* Effect.all([
    sandbox.createUser(user.email, Redacted.make(user.password)),
    sandbox.createPartner(partnerLogin.email, Redacted.make(partnerLogin.password))
  ]).pipe(Effect.option)
  if (Option.isNone(created)) return Option.none<DemoCredentials>()
  const demo: DemoCredentials = { user, partner: { ...partnerLogin, ...created.value[1] } }
  mkdirSync(config.stateDirectory, { recursive: true })
  writeFileSync(file, JSON.stringify(demo, null, 2) + "\n", { mode: 0o600 })
  return Option.some(demo)
})

/** Seeds (first start) and prints the demo credentials. */
export const seedAndPrintDemo = Effect.gen(function* () {
  const config = yield* ServerConfig
  const demo = yield* ensureDemo
  if (Option.isNone(demo)) {
    return yield* Console.log("Sandbox demo accounts exist but demo.json is missing; create new ones with POST /sandbox/users")
  }
  const { partner, user } = demo.value
  const base = `http://${config.host}:${config.port}`
  yield* Console.log(
    [
      "",
      `Rampart sandbox on ${base}  (docs: ${base}/docs, store: ${config.databaseUrl.replace(/\/\/[^@]*@/, "//***@")})`,
      `  demo user     email=${user.email} password=${user.password}`,
      `  demo partner  email=${partner.email} password=${partner.password}`,
      `                client_id=${partner.client_id} client_secret=${partner.client_secret}`,
      `                totp_secret=${partner.totp_secret}  (oathtool --totp -b ${partner.totp_secret})`,
      `                ${partner.totp_uri}`,
      `  codes sent by EMAIL/SMS: GET ${base}/sandbox/outbox?to=<email or +phone>`,
      ""
    ].join("\n")
  )
})
