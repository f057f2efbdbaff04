/**
 * The one error type of the package. `code` is stable (scripts and the CLI
 * branch on it); `hint` tells the user what to do next.
 */
export type ErrorCode =
  | "BAD_USAGE"          // wrong arguments or options
  | "BAD_INPUT"          // a value the user gave cannot be used (time, path, URL)
  | "JOURNAL_CORRUPT"    // a frame that is damaged and not at the torn tail
  | "JOURNAL_GAP"        // sequence numbers are not contiguous
  | "JOURNAL_LOCKED"     // another process writes this store
  | "SCHEMA_MISMATCH"    // captured rows or files do not fit the database schema
  | "SNAPSHOT_CORRUPT"
  | "NOT_FOUND"
  | "TARGET_NOT_EMPTY"
  | "OUT_OF_RANGE"       // a restore point outside what can be restored
  | "INTERNAL";

/** Exit status of the CLI for each code: 2 for what the user can fix by asking differently. */
const USAGE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "BAD_USAGE", "BAD_INPUT", "JOURNAL_CORRUPT", "JOURNAL_GAP", "SCHEMA_MISMATCH",
  "SNAPSHOT_CORRUPT", "NOT_FOUND", "TARGET_NOT_EMPTY", "OUT_OF_RANGE",
]);

export class BackupError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  constructor(code: ErrorCode, message: string, hint?: string) {
    super(message);
    this.name = "BackupError";
    this.code = code;
    this.hint = hint;
  }
  get exitCode(): number {
    return USAGE_CODES.has(this.code) ? 2 : 1;
  }
}
