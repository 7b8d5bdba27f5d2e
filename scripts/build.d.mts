/** Whether dist/ is missing or older than a source. */
export declare const isStale: () => boolean
/** Packages the server bundle imports at run time instead of containing. */
export declare const BUNDLE_EXTERNAL: ReadonlyArray<string>
/** Removes dist/, compiles src/ into it and bundles the server program into dist/bundle/. */
export declare const build: () => Promise<void>
/** Builds when dist/ is stale; says so on stderr. */
export declare const buildIfStale: () => Promise<void>
