/**
 * The built CLI in a child process, the way a script runs it: status, stdout,
 * stderr. DATABASE_URL and BACKUP_DIR are cleared so that only the arguments
 * say which database and store a test means.
 */
import { expect } from "chai";
import { spawn, spawnSync } from "child_process";
import path from "path";

export const CLI = path.join(__dirname, "..", "..", "src", "cli", "main.js");

export interface CliRun { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

export function cliEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DATABASE_URL;
  delete env.BACKUP_DIR;
  delete env.STOCKTAKE_BACKUP_DEBUG;
  return { ...env, ...extra };
}

export function runCli(args: string[], extraEnv: NodeJS.ProcessEnv = {}): CliRun {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env: cliEnv(extraEnv), maxBuffer: 64 << 20 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** The CLI in the background: for a test that kills it, or goes on working meanwhile. */
export function startCli(args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [CLI, ...args], { env: cliEnv(extraEnv), stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => { stdout += d; });
  child.stderr.on("data", (d) => { stderr += d; });
  const done = new Promise<CliRun>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
  return { child, done };
}

/** The JSON a successful run printed. */
export function jsonOf<T>(run: CliRun): T {
  expect(run.status, run.stderr).to.equal(0);
  return JSON.parse(run.stdout) as T;
}

/**
 * The CLI's one error form: status 1 or 2 as expected, at most two lines on
 * stderr ("error: …", "hint: …"), no stack trace.
 */
export function expectOneError(run: CliRun, status: 1 | 2, what: string): void {
  const lines = run.stderr.split("\n").filter((l) => l !== "");
  expect(run.status, `${what}: status (stderr: ${run.stderr})`).to.equal(status);
  expect(lines.length, `${what}: stderr lines\n${run.stderr}`).to.be.at.most(2);
  expect(lines[0] ?? "", `${what}: first line`).to.match(/^error: \S/);
  expect(lines[1] ?? "", `${what}: second line`).to.match(/^hint: \S/);
  expect(run.stderr, `${what}: a stack trace`).not.to.match(/^\s+at /m);
}

/** The built CLI as a shell user with this umask (`000`, `022`) runs it. */
export function runCliUnderUmask(umask: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): CliRun {
  const r = spawnSync("sh", ["-c", `umask ${umask} && exec "$0" "$@"`, process.execPath, CLI, ...args], { encoding: "utf8", env: cliEnv(extraEnv) });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** The warning of a command that could not append its line to a read-only or full store's access.log (src/cli/accessRecord.ts). */
export const ACCESS_WARNING = /^warning: this read is not recorded in \S*access\.log \(\w+\); going on\n/m;

/** The run with that warning taken out of its stderr (it must be there at most once). */
export function withoutAccessWarning(run: CliRun): CliRun {
  const stderr = run.stderr.replace(ACCESS_WARNING, "");
  expect(stderr, "one access-log warning at most").not.to.match(ACCESS_WARNING);
  return { ...run, stderr };
}
