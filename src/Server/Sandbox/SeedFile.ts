/**
 * The seed file of `RAMPART_SEED=path.json`: the users (email, password, optionally a validated
 * TOTP secret and a validated phone) and partners (email, password, client id, client secret, TOTP
 * secret) that start and reset create, so an integrator's CI gets the same credentials on every
 * start. A bad file stops the start with one line naming the file, the entry and the field.
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { readFileSync } from "node:fs"
import { Email, NewPassword } from "../../Domain/Credentials.js"
import { ClientId } from "../../Domain/Partner.js"
import { E164 } from "../../Domain/Phone.js"
import { lengthBetween, strictFields } from "../../Domain/Requests.js"
import { TotpSecretInput } from "../../Domain/Sandbox.js"

/** A user of the seed file. */
const SeedUser = Schema.Struct({
  email: Email,
  password: NewPassword,
  totp_secret: Schema.optional(TotpSecretInput),
  phone: Schema.optional(E164.annotations({ message: () => "must be an E.164 phone number such as +34612345678" }))
}).annotations(strictFields)

/** A partner of the seed file. */
const SeedPartner = Schema.Struct({
  email: Email,
  password: NewPassword,
  client_id: ClientId,
  client_secret: lengthBetween(32, 256, "must be a client secret of 32 to 256 characters"),
  totp_secret: TotpSecretInput
}).annotations(strictFields)

/** The seed file: `{ "users": [...], "partners": [...] }`, both optional. */
export const SeedFile = Schema.Struct({
  users: Schema.optionalWith(Schema.Array(SeedUser), { default: () => [] }),
  partners: Schema.optionalWith(Schema.Array(SeedPartner), { default: () => [] })
}).annotations(strictFields)
/** The decoded seed file. */
export type SeedFile = typeof SeedFile.Type

/** The seed file cannot be read or does not match `SeedFile`: one line naming the file, the entry and the field. */
export class SeedFileError extends Data.TaggedError("SeedFileError")<{ readonly message: string }> {}

/** An issue's path as people write it: `partners[1].client_secret`. */
const pathText = (path: ReadonlyArray<PropertyKey>): string =>
  path.map((key, i) => (typeof key === "number" ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`)).join("")

/** Reads and checks the seed file at `path`. */
export const readSeedFile = (path: string): Effect.Effect<SeedFile, SeedFileError> =>
  Effect.gen(function*() {
    const fail = (why: string) => new SeedFileError({ message: `RAMPART_SEED file ${path}: ${why}` })
    const text = yield* Effect.try({ try: () => readFileSync(path, "utf8"), catch: () => fail("cannot be read") })
    const json = yield* Effect.try({
      try: () => JSON.parse(text) as unknown,
      catch: (e) => fail(`is not JSON (${(e as Error).message})`)
    })
    return yield* Either.mapLeft(Schema.decodeUnknownEither(SeedFile, { errors: "first" })(json), (error) => {
      const issue = ParseResult.ArrayFormatter.formatErrorSync(error)[0]
      if (issue === undefined) return fail("does not match the seed format")
      const where = issue.path.length === 0 ? "" : `${pathText(issue.path)}: `
      return fail(`${where}${issue.message}`)
    })
  })
