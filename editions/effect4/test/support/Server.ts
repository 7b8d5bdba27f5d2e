/**
 * The Effect 3 reference server (the repository's dist/Server/main.js, built by the global set-up)
 * as a child process in sandbox mode on a free loopback port with a fresh SQLite store: the one
 * server both editions' clients are tested against. Started with the root suite's own helper.
 */
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { type ServerProcess, startServerProcess } from "../../../../test/support/ServerProcess.js"

/** The repository's root (the Effect 3 package). */
export const repositoryRoot = fileURLToPath(new URL("../../../../", import.meta.url))

/** Starts the reference server (sandbox mode); `env` overrides its settings. */
export const startReferenceServer = (env: Record<string, string> = {}): Promise<ServerProcess> =>
  startServerProcess({ RAMPART_MODE: "sandbox", ...env }, [], {
    cwd: repositoryRoot,
    command: () => [process.execPath, "dist/Server/main.js"]
  })

/** Runs a program and resolves with its standard output (rejects when it fails). */
export const output = (file: string, args: ReadonlyArray<string>, cwd = repositoryRoot): Promise<string> =>
  new Promise((resolve, reject) =>
    execFile(
      file,
      args,
      { cwd, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) =>
        error === null ? resolve(stdout) : reject(new Error(`${file} ${args.join(" ")}: ${error.message}\n${stderr}`))
    )
  )

/** The TOTP code `oathtool --totp -b` gives for `secret` at Unix time `epochSeconds` (the reference implementation). */
export const oathtool = async (secret: string, epochSeconds: number): Promise<string> =>
  (await output("oathtool", ["--totp", "-b", `--now=@${epochSeconds}`, secret])).trim()
