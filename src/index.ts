/**
 * Rampart's public surface: the contract, the domain schemas and errors, the services and Layers.
 */
export * from "./Api/AuthApi.js"
export * from "./Api/OperationsApi.js"
export * from "./Api/OtpApi.js"
export * from "./Api/PartnersApi.js"
export * from "./Api/RampartApi.js"
export * from "./Api/SandboxApi.js"
export * from "./Api/Security.js"
export * from "./Domain/Credentials.js"
export * from "./Domain/Errors.js"
export * from "./Domain/Identity.js"
export * from "./Domain/Operations.js"
export * from "./Domain/Otp.js"
export * from "./Domain/Partner.js"
export * from "./Domain/Phone.js"
export * from "./Domain/Profile.js"
export * from "./Domain/Sandbox.js"
