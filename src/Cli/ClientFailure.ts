/**
 * One line for the ways a call of the typed client can fail before the endpoint answers in its own
 * terms: the server cannot be reached (with the innermost cause, e.g. `ECONNREFUSED`, which fetch
 * hides), or it answered outside the contract. Shared by the commands that talk to a server.
 */
import * as Option from "effect/Option"
import { oneLine } from "../internal/OneLine.js"

/** The innermost cause of a transport error (e.g. `ECONNREFUSED`), which fetch hides. */
const causeOf = (error: unknown): string => {
  let cause = (error as { cause?: unknown }).cause
  let last = ""
  for (let depth = 0; cause instanceof Error && depth < 5; depth++) {
    last = (cause as NodeJS.ErrnoException).code ?? cause.message
    cause = cause.cause
  }
  return last === "" ? "" : ` (${last})`
}

/** "cannot reach SERVER: ..." or "unexpected response from SERVER: ..." for transport and decoding failures; `None` for the rest. */
export const describeClientFailure = (
  server: string,
  error: { readonly _tag: string; readonly message: string }
): Option.Option<string> => {
  switch (error._tag) {
    case "RequestError":
      return Option.some(oneLine(`cannot reach ${server}: ${error.message}${causeOf(error)}`))
    case "ResponseError":
    case "ParseError":
      return Option.some(oneLine(`unexpected response from ${server}: ${error.message}`))
    default:
      return Option.none()
  }
}
