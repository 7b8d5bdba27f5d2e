/**
 * Recipe: receive the production security-event feed. Rampart POSTs its stored events to
 * `RAMPART_EVENTS_WEBHOOK_URL`, signed with `RAMPART_EVENTS_WEBHOOK_SECRET`; the receiver checks the
 * `Rampart-Signature` header with `verifyEventSignature`, keeps each event once (by `id`: delivery
 * is at least once) and answers 2xx only for what it kept, so anything else is sent again.
 */
import { createServer, type Server } from "node:http"
import { EVENT_SIGNATURE_HEADER, verifyEventSignature } from "rampart"

/** An event as the feed sends it. */
export interface FedEvent {
  readonly id: number
  readonly at: string
  readonly type: string
  readonly userId?: string
  readonly channel?: string
  readonly reason?: string
}

/** A receiver on `port` (0: any free port) that stores verified events in `events`, by id. */
export const startReceiver = (secret: string, port = 0) =>
  new Promise<{ readonly server: Server; readonly url: string; readonly events: Map<number, FedEvent> }>((resolve) => {
    const events = new Map<number, FedEvent>()
    const server = createServer((request, response) => {
      let body = ""
      request.setEncoding("utf8")
      request.on("data", (chunk: string) => {
        body += chunk
        if (body.length > 1_000_000) request.destroy() // a batch is at most 100 small events
      })
      request.on("end", () => {
        const signature = request.headers[EVENT_SIGNATURE_HEADER.toLowerCase()]
        if (!verifyEventSignature(secret, typeof signature === "string" ? signature : undefined, body)) {
          return void response.writeHead(401).end() // not from Rampart (or replayed): not kept
        }
        for (const event of JSON.parse(body) as Array<FedEvent>) events.set(event.id, event)
        response.writeHead(204).end()
      })
    })
    server.listen(port, "127.0.0.1", () => {
      const address = server.address()
      const listening = typeof address === "object" && address !== null ? address.port : port
      resolve({ server, url: `http://127.0.0.1:${listening}/rampart/events`, events })
    })
  })
