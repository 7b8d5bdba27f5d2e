/** The security-event feed's signature, kept at its old path: it lives in `src/Shared/EventSignature.ts`, which both editions compile. */
export * from "../Shared/EventSignature.js"
