/**
 * Recipe: alert on security events. `SecurityAlerts` subscribes to Rampart's `SecurityEvents` and
 * hands every replayed TOTP code (`totp.replayed`) and every verification lock (`otp.locked`) to
 * the application's `Alerting` service (a pager, a chat webhook, a SIEM), logging it at Warning.
 */
import { Chunk, Context, Effect, Layer, Option, Queue, Redacted, Stream } from "effect"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type SecurityEvent, type SecurityEventType, Totp, type UserId } from "rampart"
import {
  Accounts,
  IdTokens,
  layerServerConfig,
  layerServices,
  OtpChallenges,
  OtpMethods,
  owaspPasswordCost,
  Sandbox,
  SecurityEvents
} from "rampart/server"

/** The event types worth waking someone up for. */
export const ALARMING: ReadonlySet<SecurityEventType> = new Set(["totp.replayed", "otp.locked"])

/** Where alerts go; the application provides it. */
export class Alerting extends Context.Tag("app/Alerting")<
  Alerting,
  { readonly alert: (event: SecurityEvent) => Effect.Effect<void, unknown> }
>() {}

/** The fields that are present, as log annotations. */
const known = (fields: Record<string, string | number | undefined>) =>
  Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined))

/** Watches `SecurityEvents` for as long as its Layer lives and alerts on the alarming ones. */
export class SecurityAlerts extends Effect.Service<SecurityAlerts>()("app/SecurityAlerts", {
  scoped: Effect.gen(function*() {
    const events = yield* SecurityEvents
    const alerting = yield* Alerting
    // Subscribe now, while the Layer is built, so no event published after start-up is missed;
    // the loop runs in the Layer's scope and stops with it.
    const subscription = yield* events.subscribe
    const alert = (event: SecurityEvent) =>
      Effect.logWarning(`security alert: ${event.type}`).pipe(
        Effect.annotateLogs(known({ eventId: event.id, userId: event.userId, clientId: event.clientId, ip: event.ip })),
        Effect.zipRight(alerting.alert(event)),
        // A failing alert channel must not stop the watch: say so and carry on.
        Effect.catchAllCause((cause) => Effect.logError("security alert not delivered", cause))
      )
    yield* Stream.fromQueue(subscription).pipe(
      Stream.filter((event) => ALARMING.has(event.type)),
      Stream.runForEach(alert),
      Effect.forkScoped
    )
    return {}
  })
}) {}

/** Rampart's domain services on a throw-away SQLite or PostgreSQL store, with `SecurityAlerts` watching them. */
export const layerApp = (databaseUrl: string) =>
  SecurityAlerts.Default.pipe(
    Layer.provideMerge(layerServices),
    Layer.provide(
      layerServerConfig({
        databaseUrl,
        stateDirectory: mkdtempSync(join(tmpdir(), "rampart-alerts-")),
        otpWebhookUrl: Option.none(),
        passwordCost: { ...owaspPasswordCost, memoryCost: 1024, timeCost: 1 }
      })
    )
  )

/** A user replays a TOTP code, then fails EMAIL verification until it locks. */
export const replayThenLock = Effect.gen(function*() {
  const email = `alerts-${Date.now().toString(36)}@example.com`
  const password = Redacted.make("alerts password")
  yield* (yield* Sandbox).createUser(email, password)
  const tokens = yield* (yield* Accounts).login(email, password, null)
  const userId = (yield* (yield* IdTokens).verify(tokens.idToken)).sub as UserId
  const methods = yield* OtpMethods
  const otp = yield* OtpChallenges
  const { secret } = (yield* methods.createTotp(userId)).totp
  const code = yield* (yield* Totp).generate(secret)
  yield* otp.verify(userId, "TOTP", code)
  yield* Effect.flip(methods.deleteTotp(userId, code)) // the same code again: InvalidOtp, and totp.replayed
  for (let i = 0; i < 10; i++) yield* Effect.flip(otp.verify(userId, "EMAIL", "000000")) // locks verification
  return userId
})

/** Runs `replayThenLock` under `SecurityAlerts` with an in-memory `Alerting`; the user and the alerts raised. */
export const run = (databaseUrl: string) =>
  Effect.gen(function*() {
    const raised = yield* Queue.unbounded<SecurityEvent>()
    const alerting = Layer.succeed(Alerting, { alert: (event) => Queue.offer(raised, event) })
    return yield* Effect.gen(function*() {
      const userId = yield* replayThenLock
      // Alerts arrive from the watching fiber, just after the events: wait for both while it runs.
      const alerts = yield* Queue.takeBetween(raised, 2, 2).pipe(Effect.timeout("5 seconds"))
      return { userId, alerts: Chunk.toReadonlyArray(alerts) }
    }).pipe(Effect.provide(layerApp(databaseUrl).pipe(Layer.provide(alerting))))
  })
