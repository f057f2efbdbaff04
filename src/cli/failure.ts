/**
 * How the CLI reports an error, whatever threw it: one line of cause and one
 * line of hint on stderr, the same as one JSON object on stdout under
 * --json ({"error": {code, message, hint}}), and the exit status of the
 * code (errors.ts). Errors of the system and the drivers are translated
 * (systemErrors.ts); anything else is a bug, reported in the same two lines,
 * with its stack only under STOCKTAKE_BACKUP_DEBUG=1.
 */
import { BackupError } from "../errors";
import { asBackupError } from "../systemErrors";
import * as stdout from "./stdout";

export const DEBUG_ENV = "STOCKTAKE_BACKUP_DEBUG";

/** What every command's --help says of its exit status and its errors. */
export const ERROR_HELP = [
  "",
  "Exit status: 0 ok; 1 the operation failed or found problems (damaged files, drift, a busy or unreachable",
  "database, a full or read-only disk); 2 bad usage or bad input. An error is two lines on stderr,",
  "\"error: <cause>\" and \"hint: <what to do>\"; with --json also {\"error\": {\"code\", \"message\", \"hint\"}} on stdout.",
].join("\n");

export interface FailureContext {
  /** --json was given: the error goes to stdout as JSON too. */
  json?: boolean;
  /** The command that failed, for the default hint ("see stocktake-backup <command> --help"). */
  command?: string;
}

/** One line: drivers' messages may span several. */
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, "; ").trim();
}

function debugging(): boolean {
  const value = process.env[DEBUG_ENV];
  return value !== undefined && value !== "" && value !== "0";
}

/** The error as the BackupError to report: itself, its translation, or INTERNAL for a bug. */
export function backupErrorOf(error: unknown): BackupError {
  const translated = asBackupError(error);
  if (translated !== null) {
    if (translated !== error) translated.cause = error;
    return translated;
  }
  const message = error instanceof Error ? error.message || error.name : String(error);
  const internal = new BackupError("INTERNAL", `unexpected error: ${message}`,
    `this is a bug: run again with ${DEBUG_ENV}=1 to see where it happened, and report it`);
  internal.cause = error;
  return internal;
}

export async function reportFailure(error: unknown, context: FailureContext): Promise<void> {
  const e = backupErrorOf(error);
  const message = oneLine(e.message);
  const hint = oneLine(e.hint ?? `see stocktake-backup ${context.command ? `${context.command} ` : ""}--help`);
  process.exitCode = e.exitCode;
  process.stderr.write(`error: ${message}\nhint: ${hint}\n`);
  if (debugging()) {
    const cause = e.cause ?? e;
    process.stderr.write(`${cause instanceof Error ? cause.stack : String(cause)}\n`);
  }
  if (context.json) {
    try {
      await stdout.write(`${JSON.stringify({ error: { code: e.code, message, hint } })}\n`);
      await stdout.flush();
    } catch {
      // The reader has gone: stderr has it.
    }
  }
}
