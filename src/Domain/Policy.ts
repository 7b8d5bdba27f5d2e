/** The numbers of the security rules, kept at their old path: they live in `src/Shared/Policy.ts`, which both editions compile. */
export * from "../Shared/Policy.js"
