// ESLint flat config: code rules plus formatting, as Effect-TS/effect's own repository does it.
// Formatting is the `@effect/dprint` rule (dprint's TypeScript plugin, loaded from node_modules/@dprint/typescript);
// it also orders imports (dprint sorts import declarations and named imports), so no separate sorting plugin.
// No type-aware rules: the whole tree lints in seconds. `npm run lint` runs this and dependency-cruiser.
import * as effectEslint from "@effect/eslint-plugin"
import js from "@eslint/js"
import { defineConfig, globalIgnores } from "eslint/config"
import tseslint from "typescript-eslint"

export default defineConfig(
  globalIgnores([
    "**/node_modules/",
    "**/dist/",
    "coverage/",
    ".rampart/",
    "scratch/",
    "bench/.scratch/",
    "bench/results/",
    // The lint covers the TypeScript sources (src, test, bench, examples, scripts); the few plain
    // JavaScript files (bin/rampart.mjs, scripts/build.mjs, test fixtures, this file) are left out.
    "**/*.js",
    "**/*.mjs",
    "**/*.cjs"
  ]),
  {
    files: ["**/*.ts", "**/*.mts", "**/*.cts"],
    extends: [js.configs.recommended, tseslint.configs.recommended, effectEslint.configs.dprint],
    languageOptions: {
      parser: tseslint.parser,
      ecmaVersion: 2022,
      sourceType: "module"
    },
    linterOptions: {
      reportUnusedDisableDirectives: "error"
    },
    rules: {
      // Effect's own choices (Effect-TS/effect eslint.config.mjs), minus the rules of plugins not installed here.
      "no-fallthrough": "off", // tsc's noFallthroughCasesInSwitch covers it
      "no-irregular-whitespace": "off",
      "object-shorthand": "error",
      "prefer-destructuring": "off",
      "sort-imports": "off", // dprint sorts imports
      "no-restricted-syntax": [
        "error",
        {
          selector: "CallExpression[callee.property.name='push'] > SpreadElement.arguments",
          message: "Do not use spread arguments in Array.push"
        }
      ],
      "no-unused-vars": "off",
      "require-yield": "off", // Effect.gen bodies may have no yield*
      "prefer-rest-params": "off",
      "prefer-spread": "off",
      // One import declaration per module (a separate `import type` from the same module is allowed).
      "no-duplicate-imports": ["error", { allowSeparateTypeImports: true }],

      "@typescript-eslint/array-type": ["warn", { default: "generic", readonly: "generic" }],
      "@typescript-eslint/no-non-null-assertion": "off",
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-empty-object-type": "off",
      "@typescript-eslint/no-unsafe-function-type": "off",
      "@typescript-eslint/no-wrapper-object-types": "off",
      // `typeof import("x")` stays allowed: it types a module that is loaded lazily (src/Server/Sandbox/QrCode.ts).
      "@typescript-eslint/consistent-type-imports": ["warn", { disallowTypeAnnotations: false }],
      "@typescript-eslint/no-unused-vars": [
        "error",
        {
          argsIgnorePattern: "^_",
          varsIgnorePattern: "^_",
          caughtErrorsIgnorePattern: "^_",
          destructuredArrayIgnorePattern: "^_"
        }
      ],
      "@typescript-eslint/ban-ts-comment": "off",
      "@typescript-eslint/no-array-constructor": "off",
      "@typescript-eslint/no-use-before-define": "off",
      "@typescript-eslint/no-namespace": "off",

      "@effect/dprint": [
        "error",
        {
          config: {
            indentWidth: 2,
            lineWidth: 120,
            semiColons: "asi",
            quoteStyle: "alwaysDouble",
            trailingCommas: "never",
            operatorPosition: "maintain",
            "arrowFunction.useParentheses": "force"
          }
        }
      ]
    }
  }
)
