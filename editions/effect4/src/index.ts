/**
 * `rampart-effect4`: Rampart's contract, domain schemas and errors, `Totp`, the typed client, the
 * sessions, the sandbox client, the idToken verifier and the step-up middleware, for Effect 4
 * programs. The same names and behaviour as `rampart` (Effect 3); the reference server stays in
 * `rampart`. Effect-free rules (TOTP arithmetic, the idToken checks, the policy numbers) are the
 * very same code as `rampart`'s (`src/Shared/`).
 */
export { EVENT_SIGNATURE_HEADER, verifyEventSignature } from "#shared/EventSignature.js"
export * from "#shared/Policy.js"
export * from "./Api/AuthApi.js"
export * from "./Api/OperationsApi.js"
export * from "./Api/OtpApi.js"
export * from "./Api/PartnersApi.js"
export * from "./Api/RampartApi.js"
export * from "./Api/SandboxApi.js"
export * from "./Api/Security.js"
export * from "./Client/AuthClient.js"
export * from "./Client/IdTokenVerifier.js"
export * from "./Client/OffsetClock.js"
export * from "./Client/OtpVerificationRemote.js"
export * from "./Client/PartnerSession.js"
export * from "./Client/SandboxClient.js"
export * from "./Client/Session.js"
export * from "./Domain/Credentials.js"
export * from "./Domain/Errors.js"
export * from "./Domain/Identity.js"
export * from "./Domain/Operations.js"
export * from "./Domain/Otp.js"
export * from "./Domain/Partner.js"
export * from "./Domain/Phone.js"
export * from "./Domain/Profile.js"
export * from "./Domain/Sandbox.js"
export * from "./Domain/SecurityEvent.js"
export * from "./Totp.js"
