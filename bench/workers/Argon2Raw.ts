/**
 * The login-rps baseline: raw Argon2id verifications (@node-rs/argon2, the PHC string's own
 * parameters — Rampart's OWASP m=19456 KiB, t=2, p=1) for `seconds`, `concurrency` in flight
 * (libuv's pool has 4 threads). Prints `{ rate, count, seconds }`.
 */
import { verify } from "@node-rs/argon2"

interface RawOptions {
  readonly phc: string
  readonly password: string
  readonly seconds: number
  readonly concurrency: number
}

const options = JSON.parse(process.argv[2]!) as RawOptions
if (!(await verify(options.phc, options.password))) throw new Error("the seeded hash does not verify")
let count = 0
const start = performance.now()
const deadline = start + options.seconds * 1000
const lane = async () => {
  while (performance.now() < deadline) {
    if (!(await verify(options.phc, options.password))) throw new Error("verification failed")
    count++
  }
}
await Promise.all(Array.from({ length: options.concurrency }, lane))
const seconds = (performance.now() - start) / 1000
process.stdout.write(JSON.stringify({ rate: count / seconds, count, seconds }) + "\n")
