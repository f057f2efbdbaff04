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
  | "STORE_LOCKED"       // another run takes this store's scheduled snapshots, and kept it past --lock-wait
  | "SCHEMA_MISMATCH"    // captured rows or files do not fit the database schema
  | "SNAPSHOT_CORRUPT"
  | "NOT_FOUND"
  | "TARGET_NOT_EMPTY"
  | "OUT_OF_RANGE"       // a restore point outside what can be restored
  | "INTERNAL"
  | "STORE_MISMATCH"     // the store belongs to another database
  | "DISK_FULL"          // ENOSPC, EDQUOT, SQLITE_FULL, PostgreSQL 53100
  | "READ_ONLY"          // EROFS, SQLITE_READONLY, a read-only PostgreSQL
  | "PERMISSION_DENIED"  // EACCES, EPERM, PostgreSQL authentication or privilege
  | "IO_ERROR"           // EIO and other failures of a file operation
  | "DATABASE_BUSY"      // SQLITE_BUSY, PostgreSQL lock timeouts, deadlocks, too many connections
  | "DATABASE_CORRUPT"   // SQLITE_CORRUPT: the database file itself is damaged
  | "UNREACHABLE";       // ECONNREFUSED, ENOTFOUND, timeouts: the database server cannot be reached

/**
 * Exit status of the CLI for each code, in one place: 2 when the user can fix
 * it by asking differently (usage, a value, a path, the wrong database), 1
 * when the operation failed or found problems (damaged files, a busy or
 * unreachable database, a full or read-only disk, a bug). A Record, so a new
 * code does not compile until it is given its status here.
 */
export const EXIT_STATUS: Readonly<Record<ErrorCode, 1 | 2>> = {
  BAD_USAGE: 2,
  BAD_INPUT: 2,
  NOT_FOUND: 2,
  OUT_OF_RANGE: 2,
  TARGET_NOT_EMPTY: 2,
  SCHEMA_MISMATCH: 2,
  STORE_MISMATCH: 2,
  SNAPSHOT_CORRUPT: 1,
  JOURNAL_CORRUPT: 1,
  JOURNAL_GAP: 1,
  JOURNAL_LOCKED: 1,
  STORE_LOCKED: 1,
  DATABASE_CORRUPT: 1,
  DISK_FULL: 1,
  READ_ONLY: 1,
  PERMISSION_DENIED: 1,
  IO_ERROR: 1,
  DATABASE_BUSY: 1,
  UNREACHABLE: 1,
  INTERNAL: 1,
};

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
    return EXIT_STATUS[this.code];
  }
}
