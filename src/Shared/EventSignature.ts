/**
 * The signature of the security-event feed (`RAMPART_EVENTS_WEBHOOK_URL`): each POST carries
 * `Rampart-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` under
 * `RAMPART_EVENTS_WEBHOOK_SECRET`. Signing (the server) and checking (a receiver, with
 * `verifyEventSignature` from `rampart`) are written here once, with no Effect.
 */
import { createHmac, timingSafeEqual } from "node:crypto"

/** The header that carries the signature. */
export const EVENT_SIGNATURE_HEADER = "Rampart-Signature"

/** The hex HMAC-SHA256 of `"<t>.<body>"` under `secret`. */
const mac = (secret: string, t: number, body: string): string =>
  createHmac("sha256", secret).update(`${t}.${body}`, "utf8").digest("hex")

/** The `Rampart-Signature` value of `body` sent at `t` (Unix seconds). */
export const signEventBatch = (secret: string, body: string, t: number): string => `t=${t},v1=${mac(secret, t, body)}`

/**
 * Whether `header` (the `Rampart-Signature` value) signs `body` under `secret`, sent at most
 * `toleranceSeconds` (default 300) away from `nowSeconds` (default: now), against replays of old
 * deliveries. Compares in constant time; any malformed header is `false`.
 */
export const verifyEventSignature = (
  secret: string,
  header: string | null | undefined,
  body: string,
  options: { readonly toleranceSeconds?: number; readonly nowSeconds?: number } = {}
): boolean => {
  if (typeof header !== "string" || header.length > 1024) return false
  const parts = new Map(
    header.split(",").map((part) => {
      const at = part.indexOf("=")
      return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as const
    })
  )
  const t = Number(parts.get("t"))
  const v1 = parts.get("v1") ?? ""
  if (!Number.isSafeInteger(t) || !/^[0-9a-f]{64}$/.test(v1)) return false
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000)
  if (Math.abs(now - t) > (options.toleranceSeconds ?? 300)) return false
  return timingSafeEqual(Buffer.from(mac(secret, t, body), "hex"), Buffer.from(v1, "hex"))
}
