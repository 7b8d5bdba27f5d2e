/**
 * The `rampart` executable (`bin/rampart.mjs` loads this through tsx): runs the command line on
 * Node. Every error is one line on stderr, `rampart: <message>`, and the process exits with code 1.
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import { rampartMain } from "./Rampart.js"

rampartMain(process.argv).pipe(Effect.provide(NodeContext.layer), NodeRuntime.runMain({ disableErrorReporting: true }))
