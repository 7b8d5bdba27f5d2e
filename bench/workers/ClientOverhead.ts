/**
 * client-overhead (run on the load core by the caller): calls per second of one authenticated
 * endpoint, `POST /auth/otp/methods/totp`, made one at a time
 * - through `Session` (src/Client/Session.ts: the typed client derived from the contract, the
 *   session's idToken, timeouts, response decoding with Schema), and
 * - with a raw `fetch` of the same request (same bearer token, `await response.json()`),
 * interleaved in `rounds` rounds of `seconds` each (order alternating). Prints
 * `{ rounds: [{ ours, baseline }], client: "Session" }` (calls/s).
 * The client is the package's compiled JavaScript (dist/, what `import "rampart"` loads; the caller
 * builds it), typed by its source: from source through tsx, every function it creates would also
 * go through esbuild's `__name` helper.
 */
import { Effect, Redacted } from "effect"

const { AuthClient, Session } = (await import(
  new URL("../../dist/index.js", import.meta.url).href
)) as typeof import("../../src/index.js")

interface ClientOptions {
  readonly baseUrl: string
  readonly email: string
  readonly password: string
  readonly rounds: number
  readonly seconds: number
}

const options = JSON.parse(process.argv[2]!) as ClientOptions
const url = `${options.baseUrl}/auth/otp/methods/totp`

const program = Effect.gen(function*() {
  const session = yield* Session.make({ email: options.email, password: Redacted.make(options.password) })
  const idToken = Redacted.value(yield* session.idToken)

  const viaSession = (seconds: number) =>
    Effect.gen(function*() {
      let count = 0
      const start = performance.now()
      const deadline = start + seconds * 1000
      while (performance.now() < deadline) {
        const enrollment = yield* session.otp.createTotpSecret({ payload: {} })
        if (enrollment.totp.secret.length === 0) return yield* Effect.die("no secret")
        count++
      }
      return count / ((performance.now() - start) / 1000)
    })

  const viaFetch = (seconds: number) =>
    Effect.promise(async () => {
      let count = 0
      const start = performance.now()
      const deadline = start + seconds * 1000
      while (performance.now() < deadline) {
        const response = await fetch(url, {
          method: "POST",
          headers: { authorization: `Bearer ${idToken}`, "content-type": "application/json" },
          body: "{}"
        })
        const body = (await response.json()) as { totp?: { secret?: string } }
        if (response.status !== 200 || !body.totp?.secret) throw new Error(`raw fetch got ${response.status}`)
        count++
      }
      return count / ((performance.now() - start) / 1000)
    })

  // Warm-up, not recorded: the typed client has more code for the JIT to compile than a bare fetch,
  // and its first second or two (p90 ~3 ms a call) measures the compiler rather than the client.
  yield* viaSession(2)
  yield* viaFetch(2)
  const rounds: Array<{ ours: number; baseline: number }> = []
  for (let r = 0; r < options.rounds; r++) {
    if (r % 2 === 0) {
      const ours = yield* viaSession(options.seconds)
      rounds.push({ ours, baseline: yield* viaFetch(options.seconds) })
    } else {
      const baseline = yield* viaFetch(options.seconds)
      rounds.push({ ours: yield* viaSession(options.seconds), baseline })
    }
  }
  return rounds
})

const rounds = await Effect.runPromise(
  Effect.scoped(program).pipe(Effect.provide(AuthClient.layer({ baseUrl: options.baseUrl })))
)
process.stdout.write(JSON.stringify({ rounds, client: "Session" }) + "\n")
