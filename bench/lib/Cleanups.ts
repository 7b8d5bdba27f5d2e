/** What a benchmark run must undo at the end (servers, workers, stores), newest first. */

const cleanups: Array<() => Promise<void>> = []

/** Registers `cleanup` to run at the end of the run. */
export const onCleanup = (cleanup: () => Promise<void>): void => {
  cleanups.push(cleanup)
}

/** Runs every registered cleanup, newest first, ignoring their failures. */
export const runCleanups = async (): Promise<void> => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined)
}
