/**
 * One consistent read of a SQLite file for an integrity scan, read in a
 * child process (sqliteFileViewChild.ts) with better-sqlite3 and the native
 * row encoder, as a snapshot reads it (snapshot/sqliteFileSnapshot.ts):
 * through TypeORM's node-sqlite3 a million rows took five seconds to read,
 * this way under one, and the read runs beside the rules on a second core.
 * Pages cross as msgpack bytes (one Buffer a page, no value per column in
 * the message), decoded here to the canonical rows the other readers give.
 *
 * A process, not in this one: the app's DataSource (node-sqlite3) has the
 * file open here, and two copies of SQLite in one process must not open the
 * same database (POSIX locks belong to the process; see sqliteFileSnapshot.ts).
 */
import { fork, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { ColumnValue, DatabaseSchema, Row } from "../db/types";
import { tableOf } from "../db/types";
import { BackupError, type ErrorCode } from "../errors";
import type { ConsistentReader } from "../reader";
import { unpackRows } from "../snapshot/rowPacking";

export type FileViewCommand =
  | { type: "open"; file: string; schema: DatabaseSchema }
  | { type: "page"; cursor: number; table: string; size: number; where?: string }
  | { type: "close" };

export type FileViewMessage =
  | { type: "ready"; seq: number; at: number }
  | { type: "unavailable"; reason: string }
  | { type: "page"; cursor: number; bytes: Uint8Array | null; rows: number }
  | { type: "error"; error: { message: string; stack?: string; code?: ErrorCode; hint?: string } };

const CHILD = join(__dirname, "sqliteFileViewChild.js");
/** Learnt once: where better-sqlite3 does not load (or sources run through a TypeScript loader), scans read through TypeORM. */
let unavailable = !existsSync(CHILD);

/**
 * Runs `fn` with a consistent view of the SQLite file `file`, or resolves
 * to null without calling it when this way of reading is not available here.
 */
export async function readSqliteFile<T>(file: string, schema: DatabaseSchema, fn: (view: ConsistentReader) => Promise<T>): Promise<{ value: T } | null> {
  if (unavailable) return null;
  const child = new ViewProcess(fork(CHILD, [], { stdio: ["ignore", "ignore", "inherit", "ipc"], serialization: "advanced" }));
  try {
    const opened = await child.ask({ type: "open", file, schema });
    if (opened.type === "unavailable") {
      unavailable = true;
      return null;
    }
    const { seq, at } = opened as Extract<FileViewMessage, { type: "ready" }>;
    let cursors = 0;
    const view: ConsistentReader = {
      seq,
      at,
      batches: (table, size, where) => pages(child, ++cursors, schema, table, size, where),
    };
    return { value: await fn(view) };
  } finally {
    child.close();
  }
}

/** Rows of one table (or of its rows `where` holds for), a page at a time; the next page is asked for while this one is used. */
async function* pages(child: ViewProcess, cursor: number, schema: DatabaseSchema, table: string, size: number, where?: string): AsyncGenerator<Row[]> {
  const columns = tableOf(schema, table).columns.map((c) => c.name);
  const ask = () => child.ask({ type: "page", cursor, table, size, ...(where !== undefined ? { where } : {}) });
  let next = ask();
  try {
    for (;;) {
      const page = await next as Extract<FileViewMessage, { type: "page" }>;
      if (page.bytes === null) return;
      next = ask();
      const bytes = Buffer.from(page.bytes.buffer, page.bytes.byteOffset, page.bytes.byteLength);
      for (const values of unpackRows(bytes, columns.length, page.rows)) yield values.map((v) => rowOf(columns, v));
    }
  } finally {
    next.catch(() => undefined); // a reader that stops early leaves the asked page unread
  }
}

function rowOf(columns: string[], values: ColumnValue[]): Row {
  const row: Row = {};
  for (let i = 0; i < columns.length; i++) row[columns[i]] = values[i];
  return row;
}

/** The child, asked one question at a time: answers come in the order asked. */
class ViewProcess {
  private readonly waiting: { resolve: (m: FileViewMessage) => void; reject: (e: unknown) => void }[] = [];
  private failure: unknown = null;

  constructor(private readonly child: ChildProcess) {
    child.on("message", (message: FileViewMessage) => {
      if (message.type === "error") return this.fail(revive(message.error));
      this.waiting.shift()?.resolve(message);
    });
    child.on("error", (error) => this.fail(error));
    child.on("exit", (code, signal) => this.fail(new BackupError("INTERNAL", `the scan's reader process stopped (${signal ?? `exit code ${code}`})`)));
  }

  ask(command: FileViewCommand): Promise<FileViewMessage> {
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.child.send(command);
    });
  }

  close(): void {
    this.failure ??= new BackupError("INTERNAL", "the scan's reader process is closed");
    if (this.child.connected) this.child.send({ type: "close" } satisfies FileViewCommand);
    this.child.disconnect?.();
  }

  private fail(error: unknown): void {
    this.failure ??= error;
    for (const w of this.waiting.splice(0)) w.reject(this.failure);
  }
}

function revive(e: Extract<FileViewMessage, { type: "error" }>["error"]): Error {
  const error = e.code !== undefined ? new BackupError(e.code, e.message, e.hint) : new Error(e.message);
  if (e.stack !== undefined) error.stack = e.stack;
  return error;
}
