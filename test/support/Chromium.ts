/** Headless Chromium for the browser tests: where it is and the flags it needs here (root, no network). */

/** The Debian Chromium binary; browser tests are skipped where it is missing. */
export const CHROMIUM = "/usr/bin/chromium"

/** Flags for a headless run as root on a machine without internet (add a fresh `--user-data-dir`). */
export const chromiumFlags: ReadonlyArray<string> = [
  "--headless",
  "--no-sandbox", // the tests run as root
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run"
]
