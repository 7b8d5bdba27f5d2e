/** Plain HTTP against a running server (for statuses and hostile input the typed client cannot send). */

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
