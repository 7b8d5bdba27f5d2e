/**
 * `rampart serve [--host H] [--port P] [--database-url URL] [--mode sandbox|production]`: the
 * reference server, as `npm start` runs it; each flag overrides its environment variable
 * (`RAMPART_HOST`, `RAMPART_PORT`, `RAMPART_DATABASE_URL`, `RAMPART_MODE`), and the flag's value
 * goes through the same `Config` validation as the variable's.
 */
import { Command, Options } from "@effect/cli"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { CliError } from "./CliError.js"

const validPort = (port: string) => /^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535

/** `rampart serve`; the server modules load only when it runs. */
export const serveCommand = Command.make(
  "serve",
  {
    host: Options.text("host").pipe(
      Options.optional,
      Options.withDescription("Address to listen on (RAMPART_HOST; default 127.0.0.1)")
    ),
    port: Options.text("port").pipe(
      Options.withPseudoName("PORT"),
      Options.optional,
      Options.withDescription("Port to listen on (RAMPART_PORT; default 8080)")
    ),
    databaseUrl: Options.text("database-url").pipe(
      Options.optional,
      Options.withDescription(
        "sqlite:<file> or postgres://... (RAMPART_DATABASE_URL; default sqlite:.rampart/rampart.db)"
      )
    ),
    mode: Options.choice("mode", ["sandbox", "production"]).pipe(
      Options.optional,
      Options.withDescription(
        "sandbox (demo accounts, /sandbox routes, generated keys) or production (RAMPART_MODE; default sandbox)"
      )
    )
  },
  (flags) =>
    Option.exists(flags.port, (port) => !validPort(port))
      ? new CliError({ message: "--port must be a whole number from 1 to 65535" })
      : Effect.flatMap(Effect.promise(() => import("./Serve.js")), (module) => module.serve(flags))
).pipe(Command.withDescription("Run the Rampart reference server (the same server as `npm start`)"))
