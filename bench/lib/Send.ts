/**
 * One JSON request over a keep-alive `node:http` agent, answered with its status, headers and body
 * text, or with the error code of a request that got no answer (`ECONNRESET`, `ECONNREFUSED`, ...):
 * for load that must tell a 503 from a reset (the soak item, the tests' resilience probes).
 */
import * as Http from "node:http"

/** One request: method, path, an optional JSON body and headers. */
export interface JsonRequest {
  readonly method: string
  readonly path: string
  readonly body?: unknown
  readonly headers?: Record<string, string>
}

/** What a request got: an answer, or the code of the error that took its place. */
export type Sent = { status: number; headers: Http.IncomingHttpHeaders; body: string } | { error: string }

/** Sends `request` to `base` over `agent`. */
export const send = (base: string, agent: Http.Agent, request: JsonRequest): Promise<Sent> =>
  new Promise((resolve) => {
    const payload = request.body === undefined ? undefined : JSON.stringify(request.body)
    const outgoing = Http.request(
      new URL(request.path, base),
      {
        method: request.method,
        agent,
        headers: {
          ...(payload === undefined ? {} : { "content-type": "application/json" }),
          ...request.headers
        }
      },
      (response) => {
        let body = ""
        response.setEncoding("utf8")
        response.on("data", (chunk) => (body += chunk))
        response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }))
        response.on("error", (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }))
      }
    )
    outgoing.on("error", (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }))
    outgoing.end(payload)
  })
