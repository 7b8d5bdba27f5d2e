/** Handlers of the `auth` group: thin calls into `Accounts`. */
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as Effect from "effect/Effect"
import { RampartApi } from "../../Api/RampartApi.js"
import { Accounts } from "../Accounts/Accounts.js"
import { forAnyApi } from "./AnyApi.js"
import { boundary } from "./Boundary.js"

/** `POST /auth/login`, `POST /auth/login/refresh`. */
export const layerAuthHttp = forAnyApi(HttpApiBuilder.group(
  RampartApi,
  "auth",
  (handlers) =>
    Effect.map(Accounts, (accounts) =>
      handlers
        .handle(
          "login",
          ({ payload, request }) =>
            boundary(accounts.login(payload.email, payload.password, request.headers["user-agent"] ?? null))
        )
        .handle("refresh", ({ payload }) => boundary(accounts.refresh(payload.refreshToken))))
))
