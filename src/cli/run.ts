import { BackupError } from "../errors";

/**
 * Runs a command's action: a BackupError becomes a one-line cause and a hint
 * on stderr and its exit status (2: fix the input, 1: the operation failed);
 * anything else is a bug, printed whole, status 1.
 */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<number | void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      process.exitCode = (await fn(...args)) ?? 0;
    } catch (error) {
      if (error instanceof BackupError) {
        process.stderr.write(`error: ${error.message}\n`);
        if (error.hint) process.stderr.write(`hint: ${error.hint}\n`);
        process.exitCode = error.exitCode;
      } else {
        process.stderr.write(`error: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
        process.exitCode = 1;
      }
    }
  };
}

/** "42" is a sequence number, anything else must be an ISO 8601 instant. */
export type Point = { seq: number } | { time: number };

export function parsePoint(text: string, option: string): Point {
  if (/^\d+$/.test(text)) return { seq: Number(text) };
  const time = Date.parse(text);
  if (Number.isNaN(time)) {
    throw new BackupError("BAD_INPUT", `${option} "${text}" is neither a sequence number nor an ISO 8601 time`,
      `for example ${option} 2026-11-26T14:05:00Z or ${option} 1234`);
  }
  return { time };
}
