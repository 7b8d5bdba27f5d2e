/**
 * Rampart's stored form of a refresh token, computed by Rampart's own `Hmac` service
 * (src/Server/Crypto/Hmac.ts: HKDF "hmac" key from the master key, purpose ‖ 0x00 ‖ token, base64url),
 * so seeded rows and ad-hoc servers accept exactly the tokens Rampart issues. The service is built
 * once; the returned function is the service's plain `digest`, with no Effect per call.
 */
import { Effect, Layer, Redacted } from "effect"
import { Hmac } from "../../src/Server/Crypto/Hmac.js"
import { MasterKey } from "../../src/Server/Crypto/MasterKey.js"

/** The digest function of refresh tokens under the master key `secretKey` (base64, as `RAMPART_SECRET_KEY`). */
export const refreshDigester = (secretKey: string): (token: string) => string => {
  const hmac = Effect.runSync(
    Effect.provide(Hmac, Hmac.Default.pipe(Layer.provide(MasterKey.layerFromBase64(Redacted.make(secretKey)))))
  )
  return (token) => hmac.digest("refresh-token", token)
}
