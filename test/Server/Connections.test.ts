/**
 * The server socket's policy (issue 25), on both transports: beyond the connection cap a new socket
 * is closed at once (one log line per burst); sockets that send no headers are closed after the
 * headers timeout and idle keep-alive sockets after the keep-alive timeout, so a pile of idle
 * sockets never takes the service down for long. Real TCP sockets from `node:net`; Node's `fetch`.
 */
import { describe, expect, it } from "@effect/vitest"
import { connect, type Socket } from "node:net"
import { startLoggedServer } from "../support/LoggedServer.js"
import { freshSqliteUrl } from "../support/Stores.js"

const limits = {
  headersTimeoutMs: 600,
  requestTimeoutMs: 2_000,
  keepAliveTimeoutMs: 300,
  maxConnections: 20,
  maxInFlight: 1024
}

/** A raw TCP connection to `url`'s port, and a promise of when the server closes it. */
const rawSocket = (url: string) =>
  new Promise<{ readonly socket: Socket; readonly closed: Promise<number> }>((resolve, reject) => {
    const socket = connect(Number(new URL(url).port), "127.0.0.1")
    const opened = Date.now()
    const closed = new Promise<number>((done) => socket.on("close", () => done(Date.now() - opened)))
    socket.on("error", () => undefined)
    socket.resume() // read whatever the server sends, so its closing is seen
    socket.once("connect", () => resolve({ socket, closed }))
    socket.once("error", reject)
  })

describe.each(["fast", "platform"] as const)("connections on the %s transport", (http) => {
  it(
    "past the cap a socket is closed at once; idle sockets are closed after the headers timeout; service continues",
    async () => {
      const server = await startLoggedServer(freshSqliteUrl(), { http, connectionLimits: limits })
      try {
        const idle = await Promise.all(Array.from({ length: 60 }, () => rawSocket(server.url)))
        const lifetimes = await Promise.all(idle.map((entry) => entry.closed))
        // Some were over the cap (closed at once), the others waited for their headers until the timeout.
        expect(lifetimes.filter((ms) => ms < 300).length).toBeGreaterThanOrEqual(30)
        expect(Math.max(...lifetimes)).toBeGreaterThanOrEqual(limits.headersTimeoutMs - 50)
        expect(Math.max(...lifetimes)).toBeLessThan(5_000)
        expect((await fetch(`${server.url}/health`)).status).toBe(200)
        await new Promise((resolve) => setTimeout(resolve, 1_200))
        const capped = server.logs.filter((line) => line.includes("connection cap (20) reached"))
        expect(capped.length).toBeGreaterThanOrEqual(1)
        expect(capped.length).toBeLessThanOrEqual(2) // text and json renderings of one line per burst
      } finally {
        await server.close()
      }
    },
    30_000
  )

  it("an idle keep-alive connection is closed after the keep-alive timeout", async () => {
    const server = await startLoggedServer(freshSqliteUrl(), { http, connectionLimits: limits })
    try {
      const { closed, socket } = await rawSocket(server.url)
      socket.write(`GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n`)
      const lifetime = await closed
      expect(lifetime).toBeGreaterThanOrEqual(limits.keepAliveTimeoutMs - 50)
      expect(lifetime).toBeLessThan(5_000)
    } finally {
      await server.close()
    }
  }, 30_000)
})
