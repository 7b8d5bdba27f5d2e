/**
 * `rampart keys [--env]`: prints a fresh `RAMPART_SECRET_KEY` and `RAMPART_SIGNING_KEY` for
 * production, as one JSON object, or with `--env` as `KEY='value'` lines that a shell (`eval`,
 * `source`), Node's `--env-file` and dotenv all read.
 */
import { Command, Options } from "@effect/cli"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { generateServerKeys, type ServerKeys } from "../Server/Keys.js"

/** The keys as `rampart keys` prints them: JSON, or (`env`) single-quoted `KEY='value'` lines. */
export const formatKeys = (keys: ServerKeys, env: boolean): string =>
  env
    ? `RAMPART_SECRET_KEY='${keys.secretKey}'\nRAMPART_SIGNING_KEY='${keys.signingKey}'`
    : JSON.stringify({ RAMPART_SECRET_KEY: keys.secretKey, RAMPART_SIGNING_KEY: keys.signingKey }, null, 2)

/** `rampart keys`. */
export const keysCommand = Command.make(
  "keys",
  {
    env: Options.boolean("env").pipe(
      Options.withDescription("Print KEY='value' lines (for a .env file or eval) instead of JSON")
    )
  },
  ({ env }) => Effect.flatMap(Effect.sync(generateServerKeys), (keys) => Console.log(formatKeys(keys, env)))
).pipe(
  Command.withDescription(
    "Print fresh production keys: RAMPART_SECRET_KEY (32 bytes, base64) and RAMPART_SIGNING_KEY (Ed25519 private JWK)"
  )
)
