/**
 * Child-process side of test/Domain/Arbitraries.test.ts: for every Schema exported by the entry
 * `rampart`, draws 50 values from its Arbitrary and checks each decodes; prints one line per
 * schema (`start NAME`, then `ok NAME MS` or `invalid NAME MESSAGE`), so a hang names its schema.
 */
import { Arbitrary, FastCheck, Schema } from "effect"
import * as Rampart from "../../src/index.js"

for (const [name, value] of Object.entries(Rampart)) {
  if (!Schema.isSchema(value)) continue
  const schema = value as Schema.Schema<unknown, unknown, never>
  console.log(`start ${name}`)
  const started = performance.now()
  const samples = FastCheck.sample(Arbitrary.make(schema), { numRuns: 50, seed: 42 })
  const is = Schema.is(schema)
  const bad = samples.find((sample) => !is(sample))
  console.log(bad === undefined ? `ok ${name} ${Math.round(performance.now() - started)}` : `invalid ${name}`)
}
console.log("done")
