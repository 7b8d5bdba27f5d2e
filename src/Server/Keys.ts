/**
 * The server's keys: `RAMPART_SECRET_KEY` (encrypts secrets, keys HMACs), `RAMPART_SIGNING_KEY`
 * (signs idTokens) and `RAMPART_PREVIOUS_SIGNING_KEYS` (signed before, still verify). Production
 * requires the first two and names the missing one; the sandbox generates missing keys once and
 * keeps them in `<state dir>/keys.json` (mode 0600) so restarts keep working, and keeps its key
 * rotations there too. A rotation makes a new signing key and moves the current one's public half
 * to the front of the previous keys.
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { Ed25519Jwk } from "../Crypto/IdTokenChecks.js"
import { ServerConfig } from "./Config.js"
import type { IdTokens } from "./Crypto/IdTokens.js"
import { keptPreviousKeys, type RotatedKeys } from "./Crypto/IdTokens.js"
import { generateMasterKeyBase64, MasterKey, masterKeyFromBase64 } from "./Crypto/MasterKey.js"
import {
  generateSigningJwk,
  previousKeysFromJson,
  PreviousSigningKeys,
  SigningKey,
  type SigningKeyError,
  signingKeyFromJwk
} from "./Crypto/SigningKey.js"

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

/** The sandbox key file: the generated keys and, after a rotation, the previous keys' public halves. */
interface SandboxKeyFile extends ServerKeys {
  readonly previousSigningKeys?: ReadonlyArray<Ed25519Jwk> | undefined
}

const keyFile = (directory: string) => join(directory, "keys.json")

/** Reads the sandbox key file, creating it with new keys when absent. */
const sandboxKeys = (directory: string) =>
  Effect.sync((): SandboxKeyFile => {
    const file = keyFile(directory)
    if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as SandboxKeyFile
    const keys = generateServerKeys()
    writeKeyFile(directory, keys)
    return keys
  })

/** Writes the sandbox key file (mode 0600). */
const writeKeyFile = (directory: string, keys: SandboxKeyFile) => {
  mkdirSync(directory, { recursive: true })
  writeFileSync(keyFile(directory), JSON.stringify(keys, null, 2) + "\n", { mode: 0o600 })
  chmodSync(keyFile(directory), 0o600)
}

/** Resolves both keys from the configuration (and, in the sandbox, the key file). */
const resolveKeys = Effect.gen(function*() {
  const config = yield* ServerConfig
  const fromFile = config.mode === "sandbox" && (Option.isNone(config.secretKey) || Option.isNone(config.signingKey))
    ? Option.some(yield* sandboxKeys(config.stateDirectory))
    : Option.none<SandboxKeyFile>()
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
  // Previous keys: the environment's, else (when the sandbox file gives the signing key) the file's rotations.
  const previous = Option.isSome(config.previousSigningKeys)
    ? yield* previousKeysFromJson(config.previousSigningKeys.value)
    : Option.isNone(config.signingKey)
    ? Option.match(fromFile, { onNone: () => [], onSome: (file) => file.previousSigningKeys ?? [] })
    : []
  return {
    secretKey: yield* pick(config.secretKey, "secretKey", "RAMPART_SECRET_KEY"),
    signingKey: yield* pick(config.signingKey, "signingKey", "RAMPART_SIGNING_KEY"),
    previous
  }
})

/** `MasterKey`, `SigningKey` and `PreviousSigningKeys` for the configured mode. */
export const layerKeys = Layer.unwrapEffect(
  Effect.gen(function*() {
    const keys = yield* resolveKeys
    const master = yield* masterKeyFromBase64(keys.secretKey)
    const signing = yield* signingKeyFromJwk(keys.signingKey)
    return Layer.mergeAll(
      Layer.succeed(MasterKey, master),
      Layer.succeed(SigningKey, signing),
      Layer.succeed(PreviousSigningKeys, keys.previous)
    )
  })
)

/** The variables after a rotation: a new `RAMPART_SIGNING_KEY`, and `RAMPART_PREVIOUS_SIGNING_KEYS` led by the old key's public half. */
export interface RotatedVariables {
  readonly signingKey: string
  readonly previousSigningKeys: string
}

/**
 * What `rampart keys --rotate` prints: from the current `RAMPART_SIGNING_KEY` and (optional)
 * `RAMPART_PREVIOUS_SIGNING_KEYS`, a new signing key and the previous keys with the current one's
 * public half in front (at most `MAX_PREVIOUS_KEYS`).
 */
export const rotateSigningVariables = (
  signingKey: Redacted.Redacted<string>,
  previousSigningKeys: Option.Option<Redacted.Redacted<string>>
): Effect.Effect<RotatedVariables, SigningKeyError> =>
  Effect.gen(function*() {
    const current = yield* signingKeyFromJwk(signingKey)
    const previous = Option.isSome(previousSigningKeys) ? yield* previousKeysFromJson(previousSigningKeys.value) : []
    const next = generateSigningJwk()
    const kept = keptPreviousKeys((JSON.parse(next) as { readonly kid: string }).kid, [current.publicJwk, ...previous])
    return { signingKey: next, previousSigningKeys: JSON.stringify(kept) }
  })

/**
 * Rotates the sandbox's signing key in place: the server signs with a new key from now on, the old
 * one keeps verifying, and both are kept in `<state dir>/keys.json` so they survive restarts (a
 * signing key set by `RAMPART_SIGNING_KEY` still wins at the next start).
 */
export const rotateSandboxKeys = (
  idTokens: IdTokens,
  stateDirectory: string
): Effect.Effect<RotatedKeys> =>
  Effect.gen(function*() {
    const json = generateSigningJwk()
    const next = yield* Effect.orDie(signingKeyFromJwk(Redacted.make(json)))
    const rotated = yield* idTokens.rotate(next)
    const file = yield* sandboxKeys(stateDirectory)
    yield* Effect.sync(() =>
      writeKeyFile(stateDirectory, { ...file, signingKey: json, previousSigningKeys: idTokens.current().previous })
    )
    return rotated
  })
