/** One POST at a time over a keep-alive connection, for the latency workers (no client library in the way). */
import { type Agent, request } from "node:http"

/** POSTs `body` to `path` on `url`'s host through `agent`; resolves with the status once the answer is read. */
export const post = (
  agent: Agent,
  url: URL,
  path: string,
  headers: Record<string, string>,
  body: string
): Promise<number> =>
  new Promise<number>((resolve, reject) => {
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path,
        method: "POST",
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) }
      },
      (res) => {
        res.resume()
        res.on("end", () => resolve(res.statusCode ?? 0))
      }
    )
    req.on("error", reject)
    req.end(body)
  })
