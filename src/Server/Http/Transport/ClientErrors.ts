/**
 * Requests Node's HTTP parser refuses (a NUL byte in a header, an unknown method, a request line
 * and headers over `maxHeaderSize`, ...) never reach the app; Node answers them with a bare status
 * line. This `clientError` listener writes the same status with the JSON `{ _tag, message }` of the
 * API's other errors instead, where Node would write one: the socket is writable and no response has
 * started on it. A reset connection is only destroyed.
 */
import type * as Http from "node:http"
import type * as Net from "node:net"
import type { Duplex } from "node:stream"

/** A raw `connection: close` response with a JSON body. */
const raw = (status: number, reason: string, body: { readonly _tag: string; readonly message: string }): string => {
  const json = JSON.stringify(body)
  return (
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(json)}\r\n` +
    `connection: close\r\n\r\n${json}`
  )
}

const badRequest = raw(400, "Bad Request", { _tag: "BadRequest", message: "The request is not valid HTTP/1.1" })
const headersTooLarge = raw(431, "Request Header Fields Too Large", {
  _tag: "HeaderFieldsTooLarge",
  message: "The request line and headers are too large"
})
const chunkExtensionsTooLarge = raw(413, "Payload Too Large", {
  _tag: "PayloadTooLarge",
  message: "Chunk extensions are too large"
})
const requestTimeout = raw(408, "Request Timeout", {
  _tag: "RequestTimeout",
  message: "The request took too long to arrive"
})

/** The response for a parser error code (as Node picks its status), or undefined when nothing can be written. */
const responseFor = (code: string | undefined): string | undefined => {
  switch (code) {
    case "ECONNRESET":
      return undefined
    case "HPE_HEADER_OVERFLOW":
      return headersTooLarge
    case "HPE_CHUNK_EXTENSIONS_OVERFLOW":
      return chunkExtensionsTooLarge
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return requestTimeout
    default:
      return badRequest
  }
}

/** How long a refused connection may stay open for its client to read the answer. */
const CLOSE_AFTER_MS = 2_000

const answered = new WeakSet<Duplex>()

/** The `clientError` listener: answers in JSON where Node would answer, then closes the connection. */
export const onClientError = (error: Error & { readonly code?: string }, socket: Duplex): void => {
  // The parser reports again for every later chunk of a connection it already refused.
  if (answered.has(socket)) return
  answered.add(socket)
  const response = responseFor(error.code)
  const inFlight = (socket as Duplex & { readonly _httpMessage?: Http.ServerResponse | null })._httpMessage
  if (response === undefined || !socket.writable || (inFlight != null && inFlight.headersSent)) {
    socket.destroy()
    return
  }
  // Half-close after the answer; close when the client does, or after a bound. Until then whatever
  // it still sends is read (and dropped by the failed parser) rather than reset.
  const timer = setTimeout(() => socket.destroy(), CLOSE_AFTER_MS)
  timer.unref()
  socket.once("close", () => clearTimeout(timer))
  // destroySoon: destroyed once the answer is flushed.
  const closeSoon = () => (socket as Net.Socket).destroySoon()
  socket.end(response)
  if (socket.readableEnded) closeSoon()
  else socket.once("end", closeSoon)
}

/** `server` answering parser refusals with `onClientError`. */
export const answerClientErrors = <S extends Http.Server>(server: S): S => {
  server.on("clientError", onClientError)
  return server
}
