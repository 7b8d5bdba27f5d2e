/**
 * Lingering close for refused bodies. A 413 carries `connection: close`, and Node closes the socket as
 * soon as the response is written; a client still sending its body then gets a reset (`EPIPE`,
 * `ECONNRESET`) and often never reads the 413, because a reset discards what it had not read yet.
 * Instead, once a body is refused, the server keeps reading and discarding it, half-closes after the
 * response, and closes when the body ends, after `LINGER_MS` or after `LINGER_BYTES`, whichever
 * comes first. Requests whose bodies are read or absent pay nothing.
 */
import type * as Http from "node:http"

/** The longest a refused body is drained before its connection closes. */
export const LINGER_MS = 2_000

/** The most bytes of a refused body drained before its connection closes. */
export const LINGER_BYTES = 64 * 1024 * 1024

const lingering = new WeakSet<Http.IncomingMessage>()

/**
 * Drains the body of `request`, which the server refuses and will not read (any `data` listener is
 * removed), and turns Node's close after the response into a half-close followed by the close
 * when the body ends or a bound is reached. Idempotent; nothing to do for a complete body.
 */
export const lingerOnRefusal = (request: Http.IncomingMessage): void => {
  const socket = request.socket
  if (lingering.has(request) || request.complete || socket === null || socket.destroyed) return
  lingering.add(request)
  let bodyEnded = false
  let responded = false
  let drained = 0
  const close = () => socket.destroy()
  const timer = setTimeout(close, LINGER_MS)
  timer.unref()
  socket.once("close", () => clearTimeout(timer))
  // Node ends a `connection: close` response's socket with `destroySoon` once it is written.
  const destroySoon = socket.destroySoon.bind(socket)
  socket.destroySoon = () => {
    responded = true
    if (bodyEnded) destroySoon()
    else if (socket.writable) socket.end()
  }
  request.removeAllListeners("data")
  request.on("data", (chunk: Buffer) => {
    drained += chunk.length
    if (drained > LINGER_BYTES) close()
  })
  request.once("end", () => {
    bodyEnded = true
    if (responded) return destroySoon()
    // Drained before any close was asked for (the refusal kept the connection alive, e.g. a 415):
    // the connection goes on as Node runs it.
    clearTimeout(timer)
    socket.destroySoon = destroySoon
  })
  request.resume()
}

/**
 * Lingering close on the platform transport, whose reader cannot be changed: a body declared over
 * `maxBodyBytes` is refused by the body-limit middleware without being read, so it is drained from
 * the start; a chunked body is read by the platform, which destroys the request (and with it the
 * socket, before the 413 is written) when the body passes the limit, so that destroy drains instead.
 * Bodiless requests and bodies declared within the limit are untouched.
 */
export const lingerOnOversize = <S extends Http.Server>(server: S, maxBodyBytes: number): S => {
  server.on("request", (request: Http.IncomingMessage) => {
    const method = request.method
    if (method === "GET" || method === "HEAD") return
    const declared = request.headers["content-length"]
    if (declared !== undefined) {
      if (Number(declared) > maxBodyBytes) lingerOnRefusal(request)
      return
    }
    if (request.headers["transfer-encoding"] === undefined) return
    const destroy = request.destroy.bind(request)
    request.destroy = (error?: Error) => {
      if (error === undefined && !request.complete) {
        lingerOnRefusal(request)
        return request
      }
      return destroy(error)
    }
  })
  return server
}
