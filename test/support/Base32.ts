/** RFC 4648 base32 for tests, written independently of the implementations under test. */

/** Base32 of `bytes`, with `=` padding when `padded`. */
export const base32 = (bytes: Uint8Array, padded = false): string => {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
  let out = ""
  let buffer = 0
  let bits = 0
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff
    bits += 8
    while (bits >= 5) {
      out += alphabet[(buffer >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  if (bits > 0) out += alphabet[(buffer << (5 - bits)) & 31]
  return padded ? out + "=".repeat((8 - (out.length % 8)) % 8) : out
}
