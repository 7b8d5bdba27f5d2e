/**
 * A flood of idle sockets against a process with 1,024 descriptors (issue 25's probe: with Node's
 * defaults, 1,100 idle sockets made every request fail for ~65 s with nothing logged). With
 * `RAMPART_MAX_CONNECTIONS=800`, 3,000 sockets that never send a byte: the ones over the cap are
 * closed at once (one log line per burst), the server never runs out of descriptors, and the
 * others are closed after the 10 s headers timeout, after which the service answers as before.
 */
import { connect, type Socket } from "node:net"
import { describe, expect, it } from "vitest"
import { call } from "../support/Http.js"
import { startServerProcess } from "../support/ServerProcess.js"

const password = "correct horse battery"

/** Opens a raw socket; resolves when it is open (or refused), with when the server closed it. */
const idleSocket = (port: number) =>
  new Promise<{ readonly socket: Socket; readonly closed: Promise<number> }>((resolve) => {
    const socket = connect(port, "127.0.0.1")
    const opened = Date.now()
    const closed = new Promise<number>((done) => socket.on("close", () => done(Date.now() - opened)))
    socket.on("error", () => undefined)
    socket.resume()
    socket.once("connect", () => resolve({ socket, closed }))
    socket.once("close", () => resolve({ socket, closed }))
  })

describe("3,000 idle sockets on a server with 1,024 descriptors", () => {
  it("over the cap they are closed at once, the rest at the headers timeout; the service continues", async () => {
    const server = await startServerProcess({ RAMPART_MAX_CONNECTIONS: "800" }, [], {
      cwd: process.cwd(),
      command: () => ["bash", "-c", `ulimit -n 1024 && exec "${process.execPath}" dist/Server/main.js`]
    })
    try {
      const email = "idle@example.com"
      await call(server.url, "POST", "/sandbox/users", { body: { email, password } })
      const port = Number(new URL(server.url).port)
      const sockets: Array<{ readonly socket: Socket; readonly closed: Promise<number> }> = []
      for (let batch = 0; batch < 30; batch++) {
        for (const opened of await Promise.all(Array.from({ length: 100 }, () => idleSocket(port)))) {
          sockets.push(opened)
        }
      }
      const lifetimes = await Promise.all(sockets.map((entry) => entry.closed))
      const atOnce = lifetimes.filter((ms) => ms < 1_000).length
      console.log(`idle flood: ${atOnce} closed at once, ${lifetimes.length - atOnce} at the headers timeout`)
      expect(atOnce).toBeGreaterThanOrEqual(2_000)
      expect(Math.max(...lifetimes)).toBeLessThan(15_000)

      expect((await fetch(`${server.url}/health`)).status).toBe(200)
      expect((await call(server.url, "POST", "/auth/login", { body: { email, password } })).status).toBe(200)
      const log = server.stdout() + server.stderr()
      expect(log).toContain("connection cap (800) reached")
      expect(log).not.toContain("out of file descriptors")
      expect(log.split("\n").filter((line) => line.includes("connection cap (800) reached")).length)
        .toBeLessThanOrEqual(4)
    } finally {
      await server.stop()
    }
  }, 60_000)
})
