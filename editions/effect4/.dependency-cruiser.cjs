// Architecture rules of rampart-effect4, the same layering as the Effect 3 edition's
// (`Domain` <- `Api` <- `Client`), plus: the only code of the repository it compiles in is the
// Effect-free src/Shared/ (through `#shared/*`), never the Effect 3 edition's modules.
// Run by the root's `npm run lint` (from this folder: `cd editions/effect4 && depcruise src`).
/** @type {import("dependency-cruiser").IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "domain-is-innermost",
      severity: "error",
      from: { path: "^src/Domain/" },
      to: { path: "^src/(Api|Client)/" }
    },
    {
      name: "api-is-contract-only",
      severity: "error",
      from: { path: "^src/Api/" },
      to: { path: "^src/Client/" }
    },
    {
      name: "only-shared-code-of-the-repository",
      comment: "The edition compiles in src/Shared (Effect-free, via #shared/*) and nothing else of the Effect 3 package.",
      severity: "error",
      from: { path: "^src/" },
      to: { path: "^[.][.]/[.][.]/(src|test|bench|scripts)/", pathNot: "^[.][.]/[.][.]/src/Shared/" }
    },
    {
      name: "no-effect-3",
      comment: "Effect 4 only: the root's Effect 3 packages (effect 3, @effect/platform, ...) are never imported.",
      severity: "error",
      from: { path: "^src/" },
      to: { path: "^[.][.]/[.][.]/node_modules/(effect|@effect)/" }
    },
    { name: "no-circular", severity: "error", from: {}, to: { circular: true } },
    { name: "not-to-unresolvable", severity: "error", from: {}, to: { couldNotResolve: true } }
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      extensions: [".ts", ".d.ts", ".js", ".mjs", ".cjs", ".json"],
      conditionNames: ["import", "require", "node", "default", "types"],
      exportsFields: ["exports"],
      mainFields: ["module", "main", "types", "typings"]
    },
    skipAnalysisNotInRules: true
  }
}
