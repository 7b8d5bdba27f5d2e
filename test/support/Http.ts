/** Plain HTTP against a running server (for statuses and hostile input the typed client cannot send). */
import { totpWall } from "./Concurrency.js"

/** A response's status and parsed JSON body (`undefined` when empty). */
export interface Answer {
  readonly status: number
  readonly body: any
}

/** Sends one request; `body` is JSON-encoded unless it is already a string. */
export const call = async (
  base: string,
  method: string,
  path: string,
  options: { body?: unknown; token?: string; headers?: Record<string, string> } = {}
): Promise<Answer> => {
  const headers: Record<string, string> = { ...options.headers }
  if (options.token !== undefined) headers["authorization"] = `Bearer ${options.token}`
  let body: string | undefined
  if (options.body !== undefined) {
    body = typeof options.body === "string" ? options.body : JSON.stringify(options.body)
    headers["content-type"] ??= "application/json"
  }
  const response = await fetch(base + path, { method, headers, ...(body !== undefined ? { body } : {}) })
  const text = await response.text()
  return { status: response.status, body: text === "" ? undefined : JSON.parse(text) }
}

/** Creates a sandbox user at `base` and logs it in there; its idToken (throws unless both succeed). */
export const newUserToken = async (base: string, email: string, password: string): Promise<string> => {
  const created = await call(base, "POST", "/sandbox/users", { body: { email, password } })
  if (created.status !== 201) throw new Error(`POST /sandbox/users answered ${created.status}, not 201`)
  const login = await call(base, "POST", "/auth/login", { body: { email, password } })
  if (login.status !== 200) throw new Error(`POST /auth/login answered ${login.status}, not 200`)
  return login.body.idToken as string
}

/** Creates a sandbox partner at `base` and logs it in with its current TOTP code; its access token (throws unless both succeed). */
export const newPartnerToken = async (base: string, email: string, password: string): Promise<string> => {
  const created = await call(base, "POST", "/sandbox/partners", { body: { email, password } })
  if (created.status !== 201) throw new Error(`POST /sandbox/partners answered ${created.status}, not 201`)
  const partner = created.body as { client_id: number; client_secret: string; totp_secret: string }
  const login = await call(base, "POST", "/api/v1/partners/auth/login", {
    body: {
      email,
      password,
      client_id: partner.client_id,
      client_secret: partner.client_secret,
      security_code: totpWall(partner.totp_secret)
    }
  })
  if (login.status !== 200) throw new Error(`POST /api/v1/partners/auth/login answered ${login.status}, not 200`)
  return login.body.access_token as string
}
