/** Handlers of the `partners` group: thin calls into `Partners`. */
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as Effect from "effect/Effect"
import { RampartApi } from "../../Api/RampartApi.js"
import { CurrentPartner } from "../../Api/Security.js"
import { Partners } from "../Partners/Partners.js"
import { forAnyApi } from "./AnyApi.js"
import { boundary } from "./Boundary.js"

/** `POST /api/v1/partners/auth/login`, `POST /api/v1/partners/auth/logout`. */
export const layerPartnersHttp = forAnyApi(HttpApiBuilder.group(
  RampartApi,
  "partners",
  (handlers) =>
    Effect.map(Partners, (partners) =>
      handlers
        .handle("login", ({ payload }) => boundary(partners.login(payload)))
        .handle(
          "logout",
          () => Effect.flatMap(CurrentPartner, (session) => boundary(partners.logout(session.sessionId)))
        ))
))
