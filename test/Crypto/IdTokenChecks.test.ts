/**
 * The memory of verified tokens (`VerifiedTokens`) never accepts what `checkIdToken` would refuse
 * at that moment: a remembered token is refused once it expired, before its `nbf`/`iat`, or when its
 * key is no longer the one its `kid` names; forged tokens are never remembered; the memory is bounded.
 */
import { describe, expect, it } from "@effect/vitest"
import { createPublicKey, generateKeyPairSync, type KeyObject, randomUUID, sign } from "node:crypto"
import { checkIdToken, VerifiedTokens } from "../../src/Crypto/IdTokenChecks.js"

const { privateKey, publicKey } = generateKeyPairSync("ed25519")
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url")
const token = (claims: object, key: KeyObject = privateKey, kid = "k1") => {
  const input = `${b64({ alg: "EdDSA", typ: "JWT", kid })}.${b64(claims)}`
  return `${input}.${sign(null, Buffer.from(input), key).toString("base64url")}`
}
const claims = (overrides: object = {}) => ({
  iss: "rampart",
  aud: "rampart",
  sub: randomUUID(),
  email: "a@example.com",
  iat: 1000,
  exp: 4600,
  jti: "j",
  ...overrides
})
const expected = { issuer: "rampart", audiences: ["rampart"], leewaySeconds: 30 }

describe("VerifiedTokens", () => {
  it("decides as checkIdToken does, at every moment, for a remembered token", () => {
    const memory = new VerifiedTokens()
    let keys = new Map([["k1", publicKey]])
    const keyFor = (kid: string) => keys.get(kid)
    const good = token(claims({ nbf: 1000 }))
    for (const now of [1000, 2000, 4629, 4630, 999, 969, 968, 2000]) {
      expect(memory.check(good, keyFor, expected, now)._tag, `at ${now}`).toBe(
        checkIdToken(good, keyFor, expected, now)._tag
      )
    }
    expect(memory.check(good, keyFor, expected, 4630)._tag).toBe("Refused") // expired, even though remembered
    expect(memory.check(good, keyFor, expected, 968)._tag).toBe("Refused") // before iat - leeway
    // The key is dropped (a rotation removed it, or a refetch replaced it): the token is checked again.
    expect(memory.check(good, keyFor, expected, 2000)._tag).toBe("Valid")
    keys = new Map()
    expect(memory.check(good, keyFor, expected, 2000)._tag).toBe("UnknownKid")
    keys = new Map([["k1", createPublicKey(generateKeyPairSync("ed25519").privateKey)]])
    expect(memory.check(good, keyFor, expected, 2000)).toEqual({ _tag: "Refused", reason: "signature" })
  })

  it("remembers only valid tokens, at most `capacity`", () => {
    const memory = new VerifiedTokens(3)
    const keyFor = (kid: string) => (kid === "k1" ? publicKey : undefined)
    const forged = token(claims(), generateKeyPairSync("ed25519").privateKey)
    for (let i = 0; i < 10; i++) expect(memory.check(forged, keyFor, expected, 2000)._tag).toBe("Refused")
    const tokens = Array.from({ length: 5 }, () => token(claims()))
    for (const t of tokens) expect(memory.check(t, keyFor, expected, 2000)._tag).toBe("Valid")
    expect((memory as unknown as { entries: Map<string, unknown> }).entries.size).toBe(3)
    expect([...(memory as unknown as { entries: Map<string, unknown> }).entries.keys()]).toEqual(tokens.slice(2))
  })
})
