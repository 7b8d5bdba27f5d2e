/** The idToken checks, kept at their old path: they live in `src/Shared/IdTokenChecks.ts`, which both editions compile. */
export * from "../Shared/IdTokenChecks.js"
