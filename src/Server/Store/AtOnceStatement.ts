/**
 * Statements that run at once: a `SqlClient` whose template statements are first offered to a
 * synchronous runner (Rampart's SQLite client runs them on its connection) and take `@effect/sql`'s
 * usual statement path — span, scope, connection acquisition — only when the runner declines. The
 * runner gets the statement's SQL as `@effect/sql` compiles it; for a template whose arguments are
 * all plain values (strings, numbers, bigints, null) the text is compiled once per template and
 * reused, when that compilation showed the arguments pass through as the parameters unchanged.
 * Everything else about a statement (fragments, `compile`, `raw`, `values`, `stream`) is the usual
 * statement's, built only when asked for. Measured in docs/benchmarks.md, "Fewer fiber steps per request".
 */
import type * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as Statement from "@effect/sql/Statement"
import * as Effect from "effect/Effect"
import * as Effectable from "effect/Effectable"
import type * as Fiber from "effect/Fiber"

/** A statement's SQL text and parameters. */
export type Compiled = readonly [sql: string, params: ReadonlyArray<unknown>]

/** Runs the statement compiled by `compile` now in `fiber`: its rows (or a store failure), or `undefined` to take the usual path. */
export type RunNow = (
  compile: () => Compiled,
  fiber: Fiber.RuntimeFiber<unknown, unknown>
) => Effect.Effect<ReadonlyArray<never>, SqlError> | undefined

/** An argument the SQL text does not depend on (it becomes one parameter). */
const isPlain = (value: unknown): boolean =>
  typeof value === "string" || typeof value === "number" || typeof value === "bigint" || value === null

/** One client's compiled texts by template: `null` for a template whose text cannot be reused. */
type Texts = WeakMap<TemplateStringsArray, string | null>

/** A template statement, offered to `runNow` each time it runs. */
class AtOnceStatement<A> extends Effectable.Class<ReadonlyArray<A>, SqlError> implements Statement.Statement<A> {
  private made: Statement.Statement<A> | undefined
  constructor(
    private readonly client: SqlClient.SqlClient,
    private readonly strings: TemplateStringsArray,
    private readonly args: ReadonlyArray<unknown>,
    private readonly texts: Texts,
    private readonly runNow: RunNow
  ) {
    super()
  }
  /** The usual statement, built on first use. */
  private get statement(): Statement.Statement<A> {
    return (this.made ??= (this.client as unknown as (
      strings: TemplateStringsArray,
      ...args: ReadonlyArray<unknown>
    ) => Statement.Statement<A>)(this.strings, ...this.args))
  }
  get [Statement.FragmentId]() {
    return this.statement[Statement.FragmentId]
  }
  get segments() {
    return this.statement.segments
  }
  get raw() {
    return this.statement.raw
  }
  get withoutTransform() {
    return this.statement.withoutTransform
  }
  get stream() {
    return this.statement.stream
  }
  get values() {
    return this.statement.values
  }
  get unprepared() {
    return this.statement.unprepared
  }
  compile(withoutTransform?: boolean): Compiled {
    if (withoutTransform !== true && this.args.every(isPlain)) {
      const text = this.texts.get(this.strings)
      if (typeof text === "string") return [text, this.args]
      if (text === undefined) {
        const [sql, params] = this.statement.compile()
        const passThrough = params.length === this.args.length && params.every((param, i) => param === this.args[i])
        this.texts.set(this.strings, passThrough ? sql : null)
        return [sql, params]
      }
    }
    return this.statement.compile(withoutTransform)
  }
  commit(): Effect.Effect<ReadonlyArray<A>, SqlError> {
    return Effect.withFiberRuntime((fiber) =>
      (this.runNow(() => this.compile(), fiber) as Effect.Effect<ReadonlyArray<A>, SqlError> | undefined) ??
        this.statement
    )
  }
}

/** `client` whose template statements (`sql\`...\``) are offered to `runNow` first. */
export const atOnceClient = (client: SqlClient.SqlClient, runNow: RunNow): SqlClient.SqlClient => {
  const texts: Texts = new WeakMap()
  const sql = (first: unknown, ...args: ReadonlyArray<unknown>) =>
    Array.isArray(first) && "raw" in first
      ? new AtOnceStatement(client, first as unknown as TemplateStringsArray, args, texts, runNow)
      : (client as unknown as (...all: ReadonlyArray<unknown>) => unknown)(first, ...args)
  const fast = Object.assign(sql, client) as unknown as SqlClient.SqlClient
  return Object.assign(fast, { safe: fast })
}
