/**
 * TOOL, a server variant for compare-transports.ts (docs/benchmarks.md, "Tools for digging
 * further"): node:http calling Rampart's `Accounts.refresh` directly through a runtime (the
 * services as `npm start` builds them, tracer off), with the payload decoded by the contract's
 * `RefreshRequest` — no HttpApi, no router, no middleware. The upper bound of any transport for
 * this endpoint.
 *
 * Usage: tsx bench/experiments/compare-transports.ts 4 4 baseline script:bench/experiments/DirectCallRefresh.ts fast
 * (listens on BENCH_PORT; the rest of its configuration is RAMPART_*, as for `npm start`).
 */
import { Effect, Layer, ManagedRuntime, Runtime, Schema } from "effect"
import { createServer } from "node:http"
import { RefreshRequest } from "../../src/Domain/Credentials.js"
import { Accounts } from "../../src/Server/Accounts/Accounts.js"
import { layerServerConfigFromEnv } from "../../src/Server/Config.js"
import { layerDomain } from "../../src/Server/Layers.js"

const managed = ManagedRuntime.make(layerDomain.pipe(Layer.provideMerge(layerServerConfigFromEnv)))
const accounts = await managed.runPromise(Accounts)
const run = Runtime.runCallback(await managed.runtime())
const decode = Schema.decodeUnknownEither(RefreshRequest)

createServer((request, response) => {
  if (request.url === "/health") return void response.end("{}")
  const chunks: Array<Buffer> = []
  request.on("data", (chunk: Buffer) => chunks.push(chunk))
  request.on("end", () => {
    const payload = decode(JSON.parse(Buffer.concat(chunks).toString("utf8")))
    if (payload._tag === "Left") return void response.writeHead(400).end()
    run(Effect.withTracerEnabled(accounts.refresh(payload.right.refreshToken), false), {
      onExit: (exit) => {
        const ok = exit._tag === "Success"
        const body = JSON.stringify(
          ok ? { idToken: exit.value.idToken } : { _tag: "AuthError", message: "Invalid refresh token" }
        )
        response.writeHead(ok ? 200 : 403, {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body)
        })
        response.end(body)
      }
    })
  })
}).listen(Number(process.env["BENCH_PORT"]), "127.0.0.1")
process.on("SIGTERM", () => process.exit(0))
