/**
 * The peer-login normaliser of better-auth: raw verifications/s of its own password hasher
 * (`verifyPassword` from "better-auth/crypto": node:crypto scrypt N=16384, r=16, p=1, 64-byte key,
 * on libuv's pool) for `seconds`, `concurrency` in flight, the counterpart of Argon2Raw.ts.
 * Prints `{ rate, count, seconds }`.
 */
import { hashPassword, verifyPassword } from "better-auth/crypto"

interface RawOptions {
  readonly password: string
  readonly seconds: number
  readonly concurrency: number
}

const options = JSON.parse(process.argv[2]!) as RawOptions
const hash = await hashPassword(options.password)
if (!(await verifyPassword({ hash, password: options.password }))) throw new Error("better-auth's hash does not verify")
let count = 0
const start = performance.now()
const deadline = start + options.seconds * 1000
const lane = async () => {
  while (performance.now() < deadline) {
    if (!(await verifyPassword({ hash, password: options.password }))) throw new Error("verification failed")
    count++
  }
}
await Promise.all(Array.from({ length: options.concurrency }, lane))
const seconds = (performance.now() - start) / 1000
process.stdout.write(JSON.stringify({ rate: count / seconds, count, seconds }) + "\n")
