/**
 * Errors of the operating system and the database drivers (ENOSPC, EROFS,
 * SQLITE_BUSY, ECONNREFUSED, PostgreSQL's SQLSTATEs…) as BackupErrors with a
 * cause and a hint, in one table, so that no command catches them one by one.
 * The CLI translates whatever reaches it (cli/run.ts); what the table does
 * not know stays unexpected: a bug.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { BackupError, type ErrorCode } from "./errors";

/** The fields drivers and Node put on their errors; all optional. */
interface Details {
  code?: string;
  message: string;
  path?: string;
  syscall?: string;
  address?: string;
  port?: number;
  hostname?: string;
}

interface Translation {
  code: ErrorCode;
  cause(d: Details): string;
  hint(d: Details): string;
}

const on = (d: Details) => (d.path ? `: ${d.path}` : "");
const server = (d: Details) => (d.address ? `${d.address}${d.port ? `:${d.port}` : ""}` : "the database server");

const CHECK_URL = "check the host, port and database name in --db or --target (or DATABASE_URL)";

/** Node's errno codes, for files and for connections. */
const ERRNO: Record<string, Translation> = {
  ENOSPC: { code: "DISK_FULL", cause: (d) => `no space left on the device${on(d)}`, hint: () => "free space on the disk of the store or target (df -h), then run the command again; finished files were not changed" },
  EDQUOT: { code: "DISK_FULL", cause: (d) => `disk quota exceeded${on(d)}`, hint: () => "free space or raise the quota, then run the command again" },
  EROFS: { code: "READ_ONLY", cause: (d) => `read-only file system${on(d)}`, hint: () => "this command writes to the store or the target: give one on a writable disk (list and log only read)" },
  EACCES: { code: "PERMISSION_DENIED", cause: (d) => `permission denied${on(d)}`, hint: () => "run as the user that owns the store (ls -ld), or fix its permissions" },
  EPERM: { code: "PERMISSION_DENIED", cause: (d) => `operation not permitted${on(d)}`, hint: () => "run as the user that owns the store (ls -ld), or fix its permissions" },
  EISDIR: { code: "BAD_INPUT", cause: (d) => `${d.path ?? "the path given"} is a directory, not a file`, hint: () => "give a file: a snapshot file, a SQLite database file, or a postgres:// URL" },
  ENOTDIR: { code: "BAD_INPUT", cause: (d) => `${d.path ?? "a path given"} is not a directory: a part of it is a file`, hint: () => "check --dir: the store is a directory (default $BACKUP_DIR, else ./snapshots)" },
  ENOENT: { code: "NOT_FOUND", cause: (d) => `${d.path ?? "a file"} does not exist`, hint: () => "check the path; list shows the store's snapshots" },
  ENAMETOOLONG: { code: "BAD_INPUT", cause: (d) => `file name too long${on(d)}`, hint: () => "give a shorter path" },
  ELOOP: { code: "BAD_INPUT", cause: (d) => `too many symbolic links${on(d)}`, hint: () => "check the path for a symbolic link loop" },
  EMFILE: { code: "IO_ERROR", cause: () => "too many open files", hint: () => "raise the open file limit (ulimit -n), then run the command again" },
  ENFILE: { code: "IO_ERROR", cause: () => "too many open files in the system", hint: () => "run the command again when fewer files are open" },
  EIO: { code: "IO_ERROR", cause: (d) => `input/output error${on(d)}`, hint: () => "the disk reported an error: check it (dmesg), then run the command again" },
  EBUSY: { code: "IO_ERROR", cause: (d) => `resource busy${on(d)}`, hint: () => "run the command again when the file is no longer in use" },
  ECONNREFUSED: { code: "UNREACHABLE", cause: (d) => `cannot connect to ${server(d)}: connection refused`, hint: () => `is PostgreSQL running there? ${CHECK_URL}` },
  ENOTFOUND: { code: "UNREACHABLE", cause: (d) => `cannot connect to ${d.hostname ?? "the database server"}: unknown host`, hint: () => CHECK_URL },
  EAI_AGAIN: { code: "UNREACHABLE", cause: (d) => `cannot resolve ${d.hostname ?? "the database server's name"} now`, hint: () => "check the network and DNS, then run the command again" },
  ETIMEDOUT: { code: "UNREACHABLE", cause: (d) => `cannot connect to ${server(d)}: timed out`, hint: () => `check the network and the server; ${CHECK_URL}` },
  EHOSTUNREACH: { code: "UNREACHABLE", cause: (d) => `cannot connect to ${server(d)}: no route to host`, hint: () => `check the network; ${CHECK_URL}` },
  ENETUNREACH: { code: "UNREACHABLE", cause: (d) => `cannot connect to ${server(d)}: network unreachable`, hint: () => `check the network; ${CHECK_URL}` },
  ECONNRESET: { code: "UNREACHABLE", cause: (d) => `the connection to ${server(d)} was reset`, hint: () => "the server closed the connection: check its log, then run the command again" },
  EPIPE: { code: "UNREACHABLE", cause: (d) => `the connection to ${server(d)} was closed`, hint: () => "the server closed the connection: check its log, then run the command again" },
};

/** SQLite result codes, as sqlite3 and better-sqlite3 report them (extended codes by their primary code). */
const SQLITE: Record<string, Translation> = {
  SQLITE_NOTADB: { code: "BAD_INPUT", cause: () => "the file is not a SQLite database", hint: () => "check --db and --target: give a SQLite database file, or a postgres:// URL" },
  SQLITE_CORRUPT: { code: "DATABASE_CORRUPT", cause: () => "the SQLite database file is damaged (SQLITE_CORRUPT)", hint: () => "run PRAGMA integrity_check on it; restore it from a snapshot into a new file" },
  SQLITE_BUSY: { code: "DATABASE_BUSY", cause: () => "the SQLite database is locked by another process (SQLITE_BUSY)", hint: () => "another process held its write lock for more than 5 s: stop the app, or run again when it is idle; nothing was changed" },
  SQLITE_LOCKED: { code: "DATABASE_BUSY", cause: () => "a table of the SQLite database is locked (SQLITE_LOCKED)", hint: () => "run the command again when the other work on the database has finished; nothing was changed" },
  SQLITE_CANTOPEN: { code: "BAD_INPUT", cause: () => "cannot open the SQLite database file (SQLITE_CANTOPEN)", hint: () => "check --db and --target: a file (not a directory) in a directory that exists and can be read" },
  SQLITE_READONLY: { code: "READ_ONLY", cause: () => "the SQLite database is read-only (SQLITE_READONLY)", hint: () => "the file or its directory cannot be written: check its permissions and its disk" },
  SQLITE_FULL: { code: "DISK_FULL", cause: () => "the disk of the SQLite database is full (SQLITE_FULL)", hint: () => "free space on its disk (df -h), then run the command again" },
  SQLITE_IOERR: { code: "IO_ERROR", cause: () => "input/output error on the SQLite database (SQLITE_IOERR)", hint: () => "the disk reported an error: check it (dmesg), then run the command again" },
  SQLITE_PERM: { code: "PERMISSION_DENIED", cause: () => "permission denied on the SQLite database (SQLITE_PERM)", hint: () => "check the permissions of the file and its directory" },
};

/** PostgreSQL SQLSTATEs (by code, else by class: the first two characters). */
const SQLSTATE: Record<string, Translation> = {
  "3D000": { code: "NOT_FOUND", cause: (d) => d.message, hint: () => "check the database name in --db or --target (psql -l lists them)" },
  "28P01": { code: "PERMISSION_DENIED", cause: (d) => d.message, hint: () => "check the user and password in the URL, or PGPASSWORD / ~/.pgpass" },
  "28000": { code: "PERMISSION_DENIED", cause: (d) => d.message, hint: () => "check the user in the URL and the server's pg_hba.conf" },
  "42501": { code: "PERMISSION_DENIED", cause: (d) => d.message, hint: () => "connect as a user with the privilege (a restore into PostgreSQL needs to create databases and tables)" },
  "25006": { code: "READ_ONLY", cause: (d) => d.message, hint: () => "the server is read-only (a standby?): connect to the primary" },
  "53100": { code: "DISK_FULL", cause: (d) => `the database server's disk is full: ${d.message}`, hint: () => "free space on the server, then run the command again; nothing was changed" },
  "53300": { code: "DATABASE_BUSY", cause: (d) => d.message, hint: () => "the server has no free connection: run again later, or raise max_connections" },
  "55P03": { code: "DATABASE_BUSY", cause: (d) => d.message, hint: () => "another session holds a lock: run again when it has finished" },
  "55006": { code: "DATABASE_BUSY", cause: (d) => d.message, hint: () => "other sessions use that database: close them, then run again" },
  "40P01": { code: "DATABASE_BUSY", cause: (d) => d.message, hint: () => "run the command again; nothing was changed" },
  "40001": { code: "DATABASE_BUSY", cause: (d) => d.message, hint: () => "run the command again; nothing was changed" },
  "57P01": { code: "UNREACHABLE", cause: (d) => `the database server shut down: ${d.message}`, hint: () => "run the command again once the server is up" },
  "57P02": { code: "UNREACHABLE", cause: (d) => `the database server crashed: ${d.message}`, hint: () => "run the command again once the server is up" },
  "57P03": { code: "UNREACHABLE", cause: (d) => d.message, hint: () => "the server is starting or shutting down: run the command again in a moment" },
  "08": { code: "UNREACHABLE", cause: (d) => `connection to the database server failed: ${d.message}`, hint: () => `${CHECK_URL}, then run the command again` },
};

/** Any other errno of a system call. */
const OTHER_ERRNO: Translation = {
  code: "IO_ERROR", cause: (d) => d.message, hint: () => "check the disk and the paths given, then run the command again",
};

/** Messages whose code was lost on the way (a child process, an error re-thrown as text). */
const BY_MESSAGE: [RegExp, Translation][] = [
  [/^ENOSPC:/, ERRNO.ENOSPC],
  [/^EROFS:/, ERRNO.EROFS],
  [/^EACCES:/, ERRNO.EACCES],
  [/^E[A-Z]+:/, OTHER_ERRNO],
  [/file is not a database/i, SQLITE.SQLITE_NOTADB],
  [/database is locked/i, SQLITE.SQLITE_BUSY],
  [/database disk image is malformed/i, SQLITE.SQLITE_CORRUPT],
  [/Connection terminated|connection timeout|timeout expired/i, {
    code: "UNREACHABLE", cause: (d) => `the database server did not answer: ${d.message}`, hint: () => `${CHECK_URL}, then run the command again`,
  }],
];

/** The driver's own error inside TypeORM's QueryFailedError, and the first of an AggregateError (Node's connect to every address). */
function innermost(error: object): object {
  const e = error as { driverError?: unknown; errors?: unknown };
  if (e.driverError && typeof e.driverError === "object") return innermost(e.driverError);
  if (Array.isArray(e.errors) && e.errors[0] && typeof e.errors[0] === "object") return { ...e.errors[0], ...pick(error, ["code"]) };
  return error;
}

function pick(o: object, keys: string[]): Record<string, unknown> {
  const r: Record<string, unknown> = {};
  for (const k of keys) if ((o as Record<string, unknown>)[k] !== undefined) r[k] = (o as Record<string, unknown>)[k];
  return r;
}

function detailsOf(error: object): Details {
  const e = innermost(error) as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
  return {
    code: text(e.code),
    message: text(e.message) ?? text((error as { message?: unknown }).message) ?? String(e.code ?? "error"),
    // A message of Node's form ("EROFS: read-only file system, open '/x'") names the path when the field was lost on the way.
    path: text(e.path) ?? /^E[A-Z]+: [^,]*, \w+ '([^']+)'/.exec(text(e.message) ?? "")?.[1],
    syscall: text(e.syscall),
    address: text(e.address),
    port: typeof e.port === "number" ? e.port : undefined,
    hostname: text(e.hostname),
  };
}

function byCode(code: string, d: Details): Translation | undefined {
  if (ERRNO[code]) return ERRNO[code];
  if (code.startsWith("SQLITE_")) return SQLITE[code] ?? SQLITE[code.split("_").slice(0, 2).join("_")];
  // Any other errno of a system call: a file or socket operation that failed.
  if (/^E[A-Z0-9]+$/.test(code) && d.syscall !== undefined) return OTHER_ERRNO;
  if (/^[0-9A-Z]{5}$/.test(code)) return SQLSTATE[code] ?? SQLSTATE[code.slice(0, 2)];
  return undefined;
}

/**
 * Node's recursive mkdir reports a read-only or forbidden parent as ENOENT;
 * the nearest folder that exists tells what it really was.
 */
function realMkdirError(d: Details): Details {
  if (d.code !== "ENOENT" || d.syscall !== "mkdir" || d.path === undefined) return d;
  let dir = path.dirname(d.path);
  while (!fs.existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return d;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === "string" ? { ...d, code } : d;
  }
}

function translationFor(d: Details): Translation | undefined {
  return (d.code !== undefined ? byCode(d.code, d) : undefined) ?? BY_MESSAGE.find(([pattern]) => pattern.test(d.message))?.[1];
}

/**
 * The error as a BackupError: itself when it is one, a translation when the
 * table knows its code, else null (an unexpected error). `context` prefixes
 * the cause, e.g. "cannot open database x.db".
 */
export function asBackupError(error: unknown, context?: string): BackupError | null {
  if (error instanceof BackupError) return error;
  if (error === null || typeof error !== "object") return null;
  const details = realMkdirError(detailsOf(error));
  const t = translationFor(details);
  if (t === undefined) return null;
  const cause = t.cause(details);
  return new BackupError(t.code, context ? `${context}: ${cause}` : cause, t.hint(details));
}
