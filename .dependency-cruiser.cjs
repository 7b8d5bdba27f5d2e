// Architecture rules (the layering of DESIGN.md): `Domain` <- `Api` <- (`Client` | `Server`), `Cli` on top;
// the client entry (src/index.ts) never reaches server code; no import cycles; src/ and bench/ never use test/.
// Run by `npm run lint` as `depcruise src bench --config .dependency-cruiser.cjs`.
// Type-only imports count too (tsPreCompilationDeps): a layer may not even name another layer's types.
/** @type {import("dependency-cruiser").IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "domain-is-innermost",
      comment: "src/Domain holds data and rules only: it imports nothing from Api, Client, Server or Cli.",
      severity: "error",
      from: { path: "^src/Domain/" },
      to: { path: "^src/(Api|Client|Server|Cli)/" }
    },
    {
      name: "api-is-contract-only",
      comment: "src/Api is the HttpApi contract shared by both sides: it imports nothing from Client, Server or Cli.",
      severity: "error",
      from: { path: "^src/Api/" },
      to: { path: "^src/(Client|Server|Cli)/" }
    },
    {
      name: "client-not-server",
      comment: "src/Client is built on the contract only: it never imports Server or Cli.",
      severity: "error",
      from: { path: "^src/Client/" },
      to: { path: "^src/(Server|Cli|Testing)/" }
    },
    {
      name: "server-not-client",
      comment: "src/Server never imports Client or Cli (the CLI sits on top of both).",
      severity: "error",
      from: { path: "^src/Server/" },
      to: { path: "^src/(Client|Cli|Testing)/" }
    },
    {
      name: "shared-is-side-free",
      comment:
        "src/internal, src/Crypto and src/Totp.ts serve both sides: they import nothing from Api, Client, Server or Cli.",
      severity: "error",
      from: { path: "^src/(internal/|Crypto/|Totp\\.ts$)" },
      to: { path: "^src/(Api|Client|Server|Cli)/" }
    },
    {
      name: "shared-is-effect-free",
      comment:
        "src/Shared is compiled by both editions (rampart on Effect 3, rampart-effect4 on Effect 4): it imports no " +
        "effect or @effect package and no other folder of src/, only node: modules, otplib, libphonenumber-js and itself.",
      severity: "error",
      from: { path: "^src/Shared/" },
      to: {
        pathNot: ["^src/Shared/", "^node:", "^(node_modules/)?(otplib|libphonenumber-js)(/|$)"],
        dependencyTypesNot: ["core"]
      }
    },
    {
      name: "client-entry-never-reaches-server",
      comment:
        "src/index.ts (the package's main entry, the client side) must not reach server code, directly or through " +
        "any chain of imports: a client bundle would otherwise pull in the server and its native dependencies.",
      severity: "error",
      from: { path: "^src/index\\.ts$" },
      to: { path: "^src/(Server|Cli)/", reachable: true }
    },
    {
      name: "no-circular",
      comment: "No import cycles anywhere.",
      severity: "error",
      from: {},
      to: { circular: true }
    },
    {
      name: "no-test-from-src-or-bench",
      comment: "src/ and bench/ use the project's modules, never test/ (test support code is not shipped or benched).",
      severity: "error",
      from: { path: "^(src|bench)/" },
      to: { path: "^test/" }
    },
    {
      name: "not-to-unresolvable",
      comment:
        "Every import resolves: an unresolved one would also slip past the rules above (and means the `.js` -> `.ts` " +
        "mapping below stopped working).",
      severity: "error",
      from: {},
      to: { couldNotResolve: true }
    }
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(bench/\\.scratch|bench/results|dist|coverage|\\.rampart)/" },
    // Count `import type` too, and read tsconfig.json (its `paths`: "rampart", "rampart/server").
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    // The sources import NodeNext-style with `.js` extensions (`./Foo.js` is `./Foo.ts` on disk). dependency-cruiser
    // resolves those the way tsc does (`.js` -> `.ts`/`.d.ts`, `.mjs` -> `.mts`, `.cjs` -> `.cts`) when a `.js` file is
    // absent; its schema has no `extensionAlias`. The not-to-unresolvable rule above fails if that ever stops working.
    enhancedResolveOptions: {
      extensions: [".ts", ".mts", ".cts", ".d.ts", ".js", ".mjs", ".cjs", ".json"],
      conditionNames: ["import", "require", "node", "default", "types"],
      exportsFields: ["exports"],
      mainFields: ["module", "main", "types", "typings"]
    },
    skipAnalysisNotInRules: true,
    reporterOptions: {
      text: { highlightFocused: true }
    }
  }
}
