/**
 * `rampart partner-login`: logs a KriptoAPI partner in with the credentials in the environment and
 * the current TOTP `security_code`, and prints the token response as JSON (see `PartnerLogin.ts`).
 */
import { Command } from "@effect/cli"
import * as Effect from "effect/Effect"

/** `rampart partner-login`; the client modules load only when it runs. */
export const partnerLoginCommand = Command.make(
  "partner-login",
  {},
  () => Effect.flatMap(Effect.promise(() => import("./PartnerLogin.js")), (module) => module.partnerLogin)
).pipe(
  Command.withDescription(
    "Log a KriptoAPI partner in (POST /api/v1/partners/auth/login) with RAMPART_PARTNER_EMAIL, RAMPART_PARTNER_PASSWORD, " +
      "RAMPART_CLIENT_ID, RAMPART_CLIENT_SECRET and the current code of RAMPART_TOTP_SECRET against RAMPART_URL " +
      "(default http://127.0.0.1:8080; optional RAMPART_EXPIRES_IN); prints the token response as JSON. " +
      "A refused code (its 30 s step already used by another client) is retried once with the next step"
  )
)
