/**
 * The report of one operation (a login, a verification, a partner login): what its events are
 * about, the events noted while it ran, and the rule that turns its exit into the events to
 * publish. `SecurityEvents.reporting` runs an operation under a report and publishes once the
 * operation — and so its transaction — has decided; services `note` and enrich (`about`) as they
 * learn, without passing anything along.
 */
import * as SqlError from "@effect/sql/SqlError"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import type { OtpChannel } from "../../Domain/Otp.js"
import type { SecurityEventInput, SecurityEventType } from "../../Domain/SecurityEvent.js"

/** Whom and what an operation's events name. */
export interface EventSubject {
  readonly userId?: string | undefined
  readonly clientId?: number | undefined
  readonly channel?: OtpChannel | undefined
}

/** The events of an operation's outcome, with what is known of its subject before it runs. */
export interface Outcome extends EventSubject {
  /** Published when the operation succeeds. */
  readonly succeeded?: SecurityEventType | undefined
  /** Published, with the error's tag as `reason`, when the operation is refused (a domain error). */
  readonly refused?: SecurityEventType | undefined
}

/** A running operation's subject so far and the events noted while it ran, in order. */
export interface Report {
  subject: EventSubject
  readonly noted: Array<SecurityEventInput>
}

/** The report of the operation being run, if any (none outside `SecurityEvents.reporting`). */
export class CurrentReport extends Context.Reference<CurrentReport>()("Rampart/Server/SecurityEvents/CurrentReport", {
  defaultValue: (): Report | undefined => undefined
}) {}

/** A fresh report of an operation with this outcome. */
export const makeReport = ({ refused: _refused, succeeded: _succeeded, ...subject }: Outcome): Report => ({
  subject,
  noted: []
})

/** The outcome event's type (if the outcome names one) and reason; none when the operation did not decide. */
const decision = <A, E extends { readonly _tag: string }>(
  outcome: Outcome,
  exit: Exit.Exit<A, E>
): Option.Option<{ readonly type: SecurityEventType | undefined; readonly reason: string | undefined }> => {
  if (Exit.isSuccess(exit)) return Option.some({ type: outcome.succeeded, reason: undefined })
  if (Cause.isDie(exit.cause) || Cause.isInterrupted(exit.cause)) return Option.none()
  return Cause.failureOption(exit.cause).pipe(
    Option.filter((error) => !(error instanceof SqlError.SqlError)),
    Option.map((error) => ({ type: outcome.refused, reason: error._tag }))
  )
}

/** Whether the operation decided (succeeded or was refused), rather than failing on the store, dying or being interrupted. */
export const hasDecided = <A, E extends { readonly _tag: string }>(outcome: Outcome, exit: Exit.Exit<A, E>): boolean =>
  Option.isSome(decision(outcome, exit))

/**
 * The events to publish once the operation exited: its outcome event (when `outcome` names one)
 * then what it noted, each with the subject filled in. None when it did not decide — a store
 * failure (its transaction rolled back), a defect or an interruption.
 */
export const eventsOnExit = <A, E extends { readonly _tag: string }>(
  outcome: Outcome,
  report: Report,
  exit: Exit.Exit<A, E>
): ReadonlyArray<SecurityEventInput> => {
  const decided = decision(outcome, exit)
  if (Option.isNone(decided)) return []
  const { reason, type } = decided.value
  const first: ReadonlyArray<SecurityEventInput> = type === undefined ? [] : [{ ...report.subject, type, reason }]
  return [...first, ...report.noted.map((event) => ({ ...report.subject, ...event }))]
}
