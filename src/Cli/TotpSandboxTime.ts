/**
 * The time `rampart totp --url URL` computes its code for (loaded only then): the sandbox's current
 * time, `now` of `GET /sandbox/clock`, read through the typed `SandboxClient` over fetch. A server
 * that cannot be reached, that has no sandbox clock (production answers 404) or that answers
 * something else is one line naming the URL.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { AuthClient } from "../Client/AuthClient.js"
import { SandboxClient } from "../Client/SandboxClient.js"
import { oneLine } from "../internal/OneLine.js"
import { describeClientFailure } from "./ClientFailure.js"
import { CliError } from "./CliError.js"

/** `text` as an http(s) URL, or the error naming `--url`. */
const parseUrl = (text: string): Effect.Effect<URL, CliError> => {
  const url = URL.canParse(text) ? new URL(text) : undefined
  return url !== undefined && (url.protocol === "http:" || url.protocol === "https:")
    ? Effect.succeed(url)
    : Effect.fail(
      new CliError({ message: `--url ${JSON.stringify(text)}: expected an http(s) URL such as http://127.0.0.1:8080` })
    )
}

/** Whole Unix seconds of the sandbox's current time at the server `text`. */
export const sandboxSeconds = (text: string): Effect.Effect<bigint, CliError> =>
  Effect.gen(function*() {
    const url = yield* parseUrl(text)
    const time = yield* Effect.flatMap(SandboxClient, (sandbox) => sandbox.clock).pipe(
      Effect.provide(SandboxClient.Default),
      Effect.provide(AuthClient.layerWithHttpClient({ baseUrl: url })),
      Effect.provide(FetchHttpClient.layer),
      Effect.mapError((error) =>
        new CliError({
          message: error._tag === "NotFound"
            ? `${text}: GET /sandbox/clock answered 404 (no sandbox clock: is the server in production mode?)`
            : Option.getOrElse(
              describeClientFailure(text, error),
              () => oneLine(`${text}: ${error._tag}: ${error.message}`)
            )
        })
      )
    )
    return BigInt(Math.floor(time.now.getTime() / 1000))
  })
