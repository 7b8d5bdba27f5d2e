/**
 * The one TOTP implementation (`src/Totp.ts`) and `rampart totp`, which uses it, compute what
 * `oathtool --totp -b` computes: the RFC vectors, 1,000 random secrets of 10..64 bytes (as people
 * paste them: lower case, spaces, no padding) and times through the library, 1,000 random secrets,
 * times and options through the real command line in-process, a fuzz of odd and malformed secrets,
 * the local-time and error rules, and a few runs of the real `bin/rampart.mjs` — each compared with
 * Debian's oathtool.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { existsSync } from "node:fs"
import { decodeTotpSecret, totpAt } from "../../src/Totp.js"
import { base32 } from "../support/Base32.js"
import { runBinary, runInProcess, runProcess } from "../support/Cli.js"

const OATHTOOL = "/usr/bin/oathtool"
const hasOathtool = existsSync(OATHTOOL)

const shellQuote = (arg: string) => `'${arg.replaceAll("'", `'\\''`)}'`

/**
 * Runs oathtool once per argument list, all in one `bash` process fed on stdin (one spawn instead
 * of a thousand); each run contributes one line: its code, or `ERROR <message>`.
 */
const oathtoolBatch = async (
  runs: ReadonlyArray<ReadonlyArray<string>>,
  env: NodeJS.ProcessEnv = {}
): Promise<Array<string>> => {
  const script = runs
    .map((args) => `out=$(${OATHTOOL} ${args.map(shellQuote).join(" ")} 2>&1) && echo "$out" || echo "ERROR $out"`)
    .join("\n")
  const run = await runProcess("bash", [], { input: script + "\n", env: { ...process.env, ...env } })
  expect(run.status).toBe(0)
  const lines = run.stdout.split("\n")
  expect(lines.at(-1)).toBe("")
  lines.pop()
  expect(lines).toHaveLength(runs.length)
  return lines
}

/** oathtool's output for one argument list: stdout exactly, or `null` when it fails. */
const oathtool = async (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv = {}): Promise<string | null> => {
  const run = await runProcess(OATHTOOL, args, { env: { ...process.env, ...env } })
  return run.status === 0 ? run.stdout : null
}

/** A small seeded PRNG (mulberry32), so a failing case can be replayed with `RAMPART_TEST_SEED`. */
const prng = (seed: number) => {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1))
  const pick = <A>(items: ReadonlyArray<A>): A => items[int(0, items.length - 1)]!
  return { next, int, pick, chance: (p: number) => next() < p }
}

const SEED = Number(process.env["RAMPART_TEST_SEED"] ?? Date.now() % 2 ** 31)
const random = prng(SEED)

/** The secret written as a person might paste it: lower case, groups of four, padding dropped. */
const scramble = (canonical: string): string => {
  let text = random.chance(0.5) ? canonical.replace(/=+$/, "") : canonical
  if (random.chance(0.3)) text = text.toLowerCase()
  else if (random.chance(0.2)) text = Array.from(text, (c) => (random.chance(0.5) ? c.toLowerCase() : c)).join("")
  if (random.chance(0.3)) text = text.replace(/(.{4})(?=.)/g, "$1 ")
  if (random.chance(0.1)) text = ` ${text} `
  return text
}

const pad2 = (n: number) => String(Math.abs(n)).padStart(2, "0")

/** Minutes east of UTC of the local zone at `seconds`. */
const localOffset = (seconds: number) => -new Date(seconds * 1000).getTimezoneOffset()

const MAX_SECONDS = 253_402_300_799

/** `seconds` written in one of the `--now` forms both tools accept. */
const formatNow = (seconds: number): string => {
  const form = random.int(0, 9)
  if (form <= 2) return `@${seconds}${random.chance(0.2) ? `.${random.int(0, 999)}` : ""}`
  const sep = random.pick(["T", "T", " ", "t"])
  const fraction = random.chance(0.2) ? `${random.pick([".", ","])}${random.int(0, 999_999)}` : ""
  const wall = (offsetMinutes: number) => {
    const d = new Date((seconds + offsetMinutes * 60) * 1000)
    const date = `${String(d.getUTCFullYear()).padStart(4, "0")}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`
    return `${date}${sep}${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}${fraction}`
  }
  if (form <= 5) return wall(0) + random.pick(["Z", "Z", "z", " Z"])
  if (form <= 8) {
    // The wall time must stay within years 0000..9999 (four-digit years only).
    const offset = random.int(-24 * 60, Math.min(24 * 60, Math.floor((MAX_SECONDS - seconds) / 60)))
    const sign = offset < 0 ? "-" : "+"
    const [h, m] = [Math.floor(Math.abs(offset) / 60), Math.abs(offset) % 60]
    const zone = m === 0 && random.chance(0.3)
      ? `${sign}${pad2(h)}`
      : random.chance(0.5)
      ? `${sign}${pad2(h)}:${pad2(m)}`
      : `${sign}${pad2(h)}${pad2(m)}`
    return wall(offset) + zone
  }
  // Local time without a zone, only where the local offset is stable (no daylight-saving change
  // within a day, where a wall time can be missing or doubled).
  const offset = localOffset(seconds)
  const stable = localOffset(seconds - 86_400) === offset && localOffset(seconds + 86_400) === offset
  const local = seconds + offset * 60
  return stable && local >= 0 && local <= MAX_SECONDS ? wall(offset) : `@${seconds}`
}

/** One random `rampart totp` invocation and the matching oathtool arguments. */
interface TotpCase {
  readonly key: Uint8Array
  readonly seconds: number
  readonly digits: 6 | 7 | 8
  readonly period: number
  readonly algorithm: "sha1" | "sha256" | "sha512"
  readonly rampart: ReadonlyArray<string>
  readonly oathtool: ReadonlyArray<string>
}

const randomCase = (): TotpCase => {
  const length = random.chance(0.4) ? random.pick([10, 16, 20, 32, 64]) : random.int(1, 80)
  const key = Uint8Array.from({ length }, () => random.int(0, 255))
  const digits = random.pick([6, 7, 8] as const)
  const period = random.chance(0.4)
    ? 30
    : random.chance(0.5)
    ? 60
    : random.chance(0.5)
    ? random.int(1, 3600)
    : random.int(1, 4_294_967_295)
  const algorithm = random.pick(["sha1", "sha256", "sha512"] as const)
  const seconds = random.chance(0.7)
    ? random.int(1_577_836_800, 2_208_988_800) // 2020..2040
    : random.chance(0.8)
    ? random.int(0, MAX_SECONDS)
    : random.pick([0, 1, 29, 30, 59, 60, 2 ** 31 - 1, 2 ** 31, 2 ** 32, MAX_SECONDS])
  const secret = scramble(base32(key, true))
  const now = formatNow(seconds)
  const rampart = ["totp", secret, "--now", now]
  if (digits !== 6 || random.chance(0.5)) rampart.push("--digits", random.chance(0.1) ? `0${digits}` : String(digits))
  if (period !== 30 || random.chance(0.5)) rampart.push("--period", String(period))
  if (algorithm !== "sha1" || random.chance(0.5)) rampart.push("--algorithm", algorithm)
  const oath = [
    `--totp=${algorithm}`,
    "-b",
    `--digits=${digits}`,
    `--time-step-size=${period}s`,
    `--now=${now}`,
    secret
  ]
  return { key, seconds, digits, period, algorithm, rampart, oathtool: oath }
}

describe("Totp (RFC 4226 / RFC 6238)", () => {
  const hexBase32 = (text: string) => base32(new TextEncoder().encode(text), true)

  it("RFC 4226 Appendix D HOTP values (TOTP at counter × 30 s)", () => {
    const secret = hexBase32("12345678901234567890")
    const expected = [
      "755224",
      "287082",
      "359152",
      "969429",
      "338314",
      "254676",
      "287922",
      "162583",
      "399871",
      "520489"
    ]
    expected.forEach((code, counter) => expect(Either.getOrThrow(totpAt(secret, counter * 30))).toBe(code))
  })

  it("RFC 6238 Appendix B TOTP values (8 digits, all three hashes)", () => {
    const secrets = {
      sha1: hexBase32("12345678901234567890"),
      sha256: hexBase32("12345678901234567890123456789012"),
      sha512: hexBase32("1234567890123456789012345678901234567890123456789012345678901234")
    }
    const table: ReadonlyArray<readonly [number, string, string, string]> = [
      [59, "94287082", "46119246", "90693936"],
      [1111111109, "07081804", "68084774", "25091201"],
      [1111111111, "14050471", "67062674", "99943326"],
      [1234567890, "89005924", "91819424", "93441116"],
      [2000000000, "69279037", "90698825", "38618901"],
      [20000000000, "65353130", "77737706", "47863826"]
    ]
    for (const [seconds, sha1, sha256, sha512] of table) {
      expect(Either.getOrThrow(totpAt(secrets.sha1, seconds, { digits: 8, algorithm: "sha1" }))).toBe(sha1)
      expect(Either.getOrThrow(totpAt(secrets.sha256, seconds, { digits: 8, algorithm: "sha256" }))).toBe(sha256)
      expect(Either.getOrThrow(totpAt(secrets.sha512, seconds, { digits: 8, algorithm: "sha512" }))).toBe(sha512)
    }
  })

  it("base32 as liboath reads it: spaces and case ignored, padding optional, malformed groups refused", () => {
    const hello = Either.getOrThrow(decodeTotpSecret("JBSWY3DPEHPK3PXP"))
    expect(Buffer.from(hello).toString("hex")).toBe("48656c6c6f21deadbeef") // "Hello!" and 0xDEADBEEF
    expect(Either.getOrThrow(decodeTotpSecret("jbsw y3dp ehpk 3pxp"))).toEqual(hello)
    expect(Either.getOrThrow(decodeTotpSecret("GE======"))).toEqual(Uint8Array.of(0x31))
    expect(Either.getOrThrow(decodeTotpSecret("GE"))).toEqual(Uint8Array.of(0x31))
    for (const bad of ["JBSW1", "A", "GEZ", "GEZDGN", "JBSWY3DPEHPK3PXP=", "JBSWY3DP-EHPK3PXP", "JBSWY3DPEHPK3PXP\t"]) {
      expect(Either.isLeft(decodeTotpSecret(bad)), bad).toBe(true)
    }
    expect(Either.isLeft(decodeTotpSecret("   "))).toBe(true)
  })

  it("the 80-bit secret of the KriptoAPI docs: the library's code is oathtool's", async () => {
    const code = Either.getOrThrow(totpAt("JBSWY3DPEHPK3PXP", 1_767_225_600))
    expect(code).toMatch(/^\d{6}$/)
    if (hasOathtool) expect(await oathtool(["--totp", "-b", "--now=@1767225600", "JBSWY3DPEHPK3PXP"])).toBe(`${code}\n`)
  })
})

describe.skipIf(!hasOathtool)(`Totp.totpAt = oathtool --totp -b (seed ${SEED})`, () => {
  it("1,000 random secrets of 10..64 bytes, as people paste them, at random times", async () => {
    const cases = Array.from({ length: 1000 }, () => {
      const key = Uint8Array.from({ length: random.int(10, 64) }, () => random.int(0, 255))
      const seconds = random.chance(0.8) ? random.int(1_577_836_800, 2_208_988_800) : random.int(0, MAX_SECONDS)
      return { secret: scramble(base32(key, true)), seconds }
    })
    const expected = await oathtoolBatch(cases.map((c) => ["--totp", "-b", `--now=@${c.seconds}`, c.secret]))
    for (const [i, c] of cases.entries()) {
      expect(expected[i], `seed ${SEED} case ${i}`).toMatch(/^\d{6}$/)
      expect(Either.getOrThrow(totpAt(c.secret, c.seconds)), `seed ${SEED} case ${i}: ${JSON.stringify(c)}`).toBe(
        expected[i]
      )
    }
  }, 120_000)
})

describe.skipIf(!hasOathtool)(`rampart totp = oathtool --totp -b (seed ${SEED})`, () => {
  const CASES = 1000
  const cases = Array.from({ length: CASES }, randomCase)
  let expected: Array<string> = []

  beforeAll(async () => {
    expected = await oathtoolBatch(cases.map((c) => c.oathtool))
  })

  it(`${CASES} random secrets, times, digits, periods and hashes through the command line (in-process)`, async () => {
    for (const [i, c] of cases.entries()) {
      const run = await runInProcess(c.rampart)
      const context = `seed ${SEED} case ${i}: rampart ${JSON.stringify(c.rampart)} / oathtool ${
        JSON.stringify(c.oathtool)
      }`
      expect(expected[i], context).toMatch(/^\d{6,8}$/)
      expect({ ok: run.ok, stdout: run.stdout, stderr: run.stderr }, context).toEqual({
        ok: true,
        stdout: [expected[i]],
        stderr: []
      })
      // The library directly, on the canonical secret (the command line passes it the scrambled one).
      const library = totpAt(base32(c.key, true), c.seconds, {
        digits: c.digits,
        period: c.period,
        algorithm: c.algorithm
      })
      expect(Either.getOrThrow(library), context).toBe(expected[i])
    }
  }, 300_000)

  it("300 odd and malformed secrets: refused exactly when oathtool refuses them, same code otherwise", async () => {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567abcdefghijklmnopqrstuvwxyz====   018x.\t_é"
    const secrets = Array.from(
      { length: 300 },
      () => Array.from({ length: random.int(1, 20) }, () => random.pick(Array.from(alphabet))).join("")
    )
    const now = "@1767225600"
    const outputs = await oathtoolBatch(secrets.map((secret) => ["--totp", "-b", `--now=${now}`, secret]))
    let accepted = 0
    for (const [i, secret] of secrets.entries()) {
      const run = await runInProcess(["totp", secret, "--now", now])
      const context = `seed ${SEED}: secret ${JSON.stringify(secret)} → oathtool ${outputs[i]}`
      if (secret.replaceAll(" ", "") === "") {
        // Deliberate difference: oathtool computes a code with an empty key; rampart refuses.
        expect(run, context).toEqual({ ok: false, stdout: [], stderr: ["rampart: The TOTP secret is empty"] })
      } else if (outputs[i]!.startsWith("ERROR")) {
        expect(run, context).toEqual({
          ok: false,
          stdout: [],
          stderr: ["rampart: The TOTP secret is not valid base32"]
        })
      } else {
        expect(run, context).toEqual({ ok: true, stdout: [outputs[i]], stderr: [] })
        accepted++
      }
    }
    expect(accepted).toBeGreaterThan(20)
  }, 120_000)

  it("--now forms and limits agree with oathtool's parser", async () => {
    const secret = "JBSWY3DPEHPK3PXP"
    const same = [
      "@0",
      "@1767225600",
      "@1767225600.9",
      "@+100",
      "@0100",
      "@ 1767225600",
      " @1767225600",
      "@253402300799",
      "2026-01-01",
      "2026-01-01Z",
      "2026-01-01T00:00Z",
      "2026-01-01T00:00:00Z",
      "2026-01-01t00:00:00z",
      "2026-01-01 00:00:00Z",
      "2026-01-01T00:00:00 Z",
      "2026-01-01T00:00:29.999Z",
      "2026-01-01T00:00:30,5Z",
      "2026-01-01T01:00:00+01:00",
      "2026-01-01T01:00:00+0100",
      "2026-01-01T01:00:00+01",
      "2026-01-01T00:00:00 +01:00",
      "2026-01-01T00:00:00+24:00",
      "2026-01-01T00:00:00-24:00",
      "2026-01-01T00:00:00+23:59",
      "2026-1-1T0:00:00Z",
      "1970-01-01T00:00:00Z",
      "9999-12-31T23:59:59Z",
      "2024-02-29T12:00:00Z"
    ]
    const refusedByBoth = [
      "garbage",
      "@1e3",
      "@-1",
      "20260101T000000Z",
      "2026-02-30T00:00:00Z",
      "2026-01-01T24:00:00Z",
      "2026-01-01T23:59:60Z",
      "2026-01-01T00Z",
      "2026-01-01T00:00:00.Z",
      "2026-01-01T00:00:00+24:30",
      "2026-01-01T00:00:00+99",
      "2025-02-29T00:00:00Z"
    ]
    const outputs = await oathtoolBatch(
      [...same, ...refusedByBoth].map((now) => ["--totp", "-b", `--now=${now}`, secret])
    )
    for (const [i, now] of same.entries()) {
      expect(outputs[i], now).toMatch(/^\d{6}$/)
      expect(await runInProcess(["totp", secret, "--now", now]), now).toEqual({
        ok: true,
        stdout: [outputs[i]],
        stderr: []
      })
    }
    for (const [j, now] of refusedByBoth.entries()) {
      expect(outputs[same.length + j], now).toMatch(/^ERROR/)
      const run = await runInProcess(["totp", secret, "--now", now])
      expect(run.ok, now).toBe(false)
      expect(run.stdout).toEqual([])
      expect(run.stderr).toHaveLength(1)
      expect(run.stderr[0]).toMatch(/^rampart: --now /)
    }
    // A wall time before 1970 is fine when the instant is not.
    const early = await oathtoolBatch([["--totp", "-b", "--now=1969-12-31T20:00:05-04:00", secret]])
    expect(await runInProcess(["totp", secret, "--now", "1969-12-31T20:00:05-04:00"])).toEqual({
      ok: true,
      stdout: early,
      stderr: []
    })
    // Deliberate differences: oathtool accepts times before 1970 (with C's signed arithmetic) and
    // beyond year 9999; rampart refuses them with a message.
    for (const now of ["@-100", "1969-12-31T23:59:58Z", "@253402300800"]) {
      const run = await runInProcess(["totp", secret, "--now", now])
      expect(run.ok, now).toBe(false)
      expect(run.stderr[0]).toMatch(/^rampart: --now .*not supported$/)
    }
  })

  // oathtool (glibc) reads zones from tzdata; Node has its own copy in ICU.
  describe.skipIf(!existsSync("/usr/share/zoneinfo/Europe/Madrid"))("local times (TZ=Europe/Madrid)", () => {
    const previous = process.env["TZ"]
    beforeAll(() => {
      process.env["TZ"] = "Europe/Madrid"
    })
    afterAll(() => {
      if (previous === undefined) delete process.env["TZ"]
      else process.env["TZ"] = previous
    })

    it("a zone-less time is local, as for oathtool; missing and doubled wall times are refused", async () => {
      const secret = "JBSWY3DPEHPK3PXP"
      const env = { TZ: "Europe/Madrid" }
      for (
        const now of [
          "2026-01-01T01:00:00",
          "2026-07-01T12:34:56",
          "2026-01-01",
          "2026-03-29T01:59:59",
          "2026-03-29T03:00:00"
        ]
      ) {
        const expectedOutput = await oathtool(["--totp", "-b", `--now=${now}`, secret], env)
        expect(expectedOutput, now).toMatch(/^\d{6}\n$/)
        expect(await runInProcess(["totp", secret, "--now", now]), now).toEqual({
          ok: true,
          stdout: [expectedOutput!.trim()],
          stderr: []
        })
      }
      // 02:30 on 2026-03-29 does not exist in Madrid: both refuse it.
      expect(await oathtool(["--totp", "-b", "--now=2026-03-29T02:30:00", secret], env)).toBeNull()
      const gap = await runInProcess(["totp", secret, "--now", "2026-03-29T02:30:00"])
      expect(gap.ok).toBe(false)
      expect(gap.stderr[0]).toMatch(/^rampart: --now .*does not exist/)
      // 02:30 on 2026-10-25 happens twice: oathtool silently picks one; rampart asks for a zone.
      const twice = await runInProcess(["totp", secret, "--now", "2026-10-25T02:30:00"])
      expect(twice.ok).toBe(false)
      expect(twice.stderr[0]).toMatch(/^rampart: --now .*happens twice/)
    })
  })

  it("option errors are one line and a failure", async () => {
    const secret = "JBSWY3DPEHPK3PXP"
    const failures: ReadonlyArray<readonly [ReadonlyArray<string>, RegExp]> = [
      [["totp", secret, "--digits", "9"], /^rampart: --digits must be 6, 7 or 8$/],
      [["totp", secret, "--digits", "x"], /^rampart: --digits must be 6, 7 or 8$/],
      [["totp", secret, "--period", "0"], /^rampart: --period must be/],
      [["totp", secret, "--period", "4294967296"], /^rampart: --period must be/],
      [["totp", secret, "--period", "1.5"], /^rampart: --period must be/],
      [["totp", secret, "--algorithm", "md5"], /^rampart: .*sha1, sha256, sha512/],
      [["totp", secret, "--bogus"], /^rampart: .*--bogus/],
      [["totp"], /^rampart: Missing argument <SECRET>$/],
      [["totp", secret, "extra"], /^rampart: .*extra/],
      [["totp", "@/nonexistent/secret.txt"], /^rampart: cannot read the secret from \/nonexistent\/secret.txt: ENOENT$/]
    ]
    for (const [args, message] of failures) {
      const run = await runInProcess(args)
      expect(run.ok, args.join(" ")).toBe(false)
      expect(run.stdout, args.join(" ")).toEqual([])
      expect(run.stderr, args.join(" ")).toHaveLength(1)
      expect(run.stderr[0], args.join(" ")).toMatch(message)
    }
  })

  describe("the real executable", () => {
    it("5 random cases print exactly what oathtool prints (code and newline)", async () => {
      for (const c of cases.slice(0, 5)) {
        const run = await runBinary(c.rampart)
        const output = (await runProcess(OATHTOOL, c.oathtool)).stdout
        expect(run, `seed ${SEED}: ${JSON.stringify(c.rampart)}`).toEqual({ status: 0, stdout: output, stderr: "" })
      }
    }, 300_000)

    it("reads the secret from stdin with -, as oathtool does", async () => {
      const input = "jbsw y3dp ehpk 3pxp\nignored second line\n"
      const output = (await runProcess(OATHTOOL, ["--totp", "-b", "--now=@1767225600", "-"], { input })).stdout
      expect(await runBinary(["totp", "--now", "@1767225600", "-"], { input })).toEqual({
        status: 0,
        stdout: output,
        stderr: ""
      })
    }, 60_000)

    it.each(
      [
        ["a bad secret", ["totp", "JBSW1"], /^rampart: The TOTP secret is not valid base32\n$/],
        ["a bad option", ["totp", "JBSWY3DPEHPK3PXP", "--digits", "9"], /^rampart: --digits must be 6, 7 or 8\n$/],
        [
          "a bad --now",
          ["totp", "JBSWY3DPEHPK3PXP", "--now", "yesterday"],
          /^rampart: --now "yesterday": expected ISO-8601/
        ]
      ] as const
    )("%s: exit code 1 and one line on stderr", async (_name, args, message) => {
      const run = await runBinary(args)
      expect(run.status).toBe(1)
      expect(run.stdout).toBe("")
      expect(run.stderr).toMatch(message)
      expect(run.stderr.trimEnd().split("\n")).toHaveLength(1)
    }, 60_000)
  })
})
