/**
 * The server's keys: `RAMPART_SECRET_KEY` (encrypts secrets, keys HMACs) and `RAMPART_SIGNING_KEY`
 * (signs idTokens). Production requires both and names the missing one; the sandbox generates
 * missing keys once and keeps them in `<state dir>/keys.json` (mode 0600) so restarts keep working.
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { ServerConfig } from "./Config.js"
import { generateMasterKeyBase64, MasterKey, masterKeyFromBase64 } from "./Crypto/MasterKey.js"
import { generateSigningJwk, SigningKey, signingKeyFromJwk } from "./Crypto/SigningKey.js"

/** A key the server cannot start without. */
export class MissingKeyError extends Data.TaggedError("MissingKeyError")<{ readonly message: string }> {}

/** A fresh pair of server keys: the values of `RAMPART_SECRET_KEY` and `RAMPART_SIGNING_KEY`. */
export interface ServerKeys {
  readonly secretKey: string
  readonly signingKey: string
}

/** New random server keys (a 32-byte base64 secret and an Ed25519 private JWK), as `rampart keys` prints them. */
export const generateServerKeys = (): ServerKeys => ({
  secretKey: generateMasterKeyBase64(),
  signingKey: generateSigningJwk()
})

/** Reads the sandbox key file, creating it with new keys when absent. */
const sandboxKeys = (directory: string) =>
  Effect.sync((): ServerKeys => {
    const file = join(directory, "keys.json")
    if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as ServerKeys
    mkdirSync(directory, { recursive: true })
    const keys = generateServerKeys()
    writeFileSync(file, JSON.stringify(keys, null, 2) + "\n", { mode: 0o600 })
    chmodSync(file, 0o600)
    return keys
  })

/** Resolves both keys from the configuration (and, in the sandbox, the key file). */
const resolveKeys = Effect.gen(function*() {
  const config = yield* ServerConfig
  const fromFile = config.mode === "sandbox" && (Option.isNone(config.secretKey) || Option.isNone(config.signingKey))
    ? Option.some(yield* sandboxKeys(config.stateDirectory))
    : Option.none<ServerKeys>()
  const pick = (value: Option.Option<Redacted.Redacted<string>>, name: keyof ServerKeys, variable: string) =>
    Option.orElse(value, () => Option.map(fromFile, (keys) => Redacted.make(keys[name]))).pipe(
      Option.match({
        onNone: () =>
          Effect.fail(
            new MissingKeyError({ message: `${variable} is required in production mode (see docs/server.md)` })
          ),
        onSome: Effect.succeed
      })
    )
  return {
    secretKey: yield* pick(config.secretKey, "secretKey", "RAMPART_SECRET_KEY"),
    signingKey: yield* pick(config.signingKey, "signingKey", "RAMPART_SIGNING_KEY")
  }
})

/** `MasterKey` and `SigningKey` for the configured mode. */
export const layerKeys = Layer.unwrapEffect(
  Effect.gen(function*() {
    const keys = yield* resolveKeys
    const master = yield* masterKeyFromBase64(keys.secretKey)
    const signing = yield* signingKeyFromJwk(keys.signingKey)
    return Layer.merge(Layer.succeed(MasterKey, master), Layer.succeed(SigningKey, signing))
  })
)
