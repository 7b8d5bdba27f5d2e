/**
 * The one failure a `rampart` command reports itself: a message the user can act on, printed as a
 * single line on stderr before the process exits with code 1.
 */
import * as Schema from "effect/Schema"

/** A command-line failure (bad secret, bad option, unreachable server, refused login): one line, exit 1. */
export class CliError extends Schema.TaggedError<CliError>()("CliError", { message: Schema.String }) {}
