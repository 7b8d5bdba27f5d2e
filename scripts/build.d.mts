/** Whether dist/ is missing or older than a source. */
export declare const isStale: () => boolean
/** Removes dist/ and compiles src/ into it. */
export declare const build: () => void
/** Builds when dist/ is stale; says so on stderr. */
export declare const buildIfStale: () => void
