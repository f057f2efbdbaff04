/**
 * The fast snapshot of a SQLite file: a child process
 * (sqliteFileSnapshotChild.ts) opens the file read-only with better-sqlite3 and
 * writes the snapshot file itself, so no row crosses processes and the app's
 * event loop never waits for the read. better-sqlite3 reads 3-4x faster than
 * node-sqlite3 here (rows as plain arrays, no callback per query). The file
 * is the one the TypeORM path writes: same rows, same order, same digests.
 *
 * A process, not a worker thread: better-sqlite3 carries its own copy of
 * SQLite, and two copies of SQLite in one process must not open the same
 * database. POSIX locks belong to the process, so neither copy sees the
 * other's locks: the second to open the WAL index truncates it under the
 * first one's memory map (SIGBUS, seen here), and a checkpoint may reuse WAL
 * frames the other is still reading (https://www.sqlite.org/howtocorrupt.html,
 * "multiple copies of SQLite linked into the same application").
 */
import { fork } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { BackupError, type ErrorCode } from "../errors";
import type { DatabaseSchema } from "../db/types";
import type { SnapshotProgress, TakenSnapshot, TakeSnapshotOptions } from "./snapshotOptions";

/** What the child process is asked to do. */
export interface FileSnapshotJob {
  file: string;
  schema: DatabaseSchema;
  storeDir: string;
  kind: TakeSnapshotOptions["kind"];
  name: TakeSnapshotOptions["name"];
  period: TakeSnapshotOptions["period"];
  batchRows: TakeSnapshotOptions["batchRows"];
  ddl: TakeSnapshotOptions["ddl"];
  identity: TakeSnapshotOptions["identity"];
}

/**
 * Child → parent. "ready": every row is written, the file waits for
 * "publish" or "cancel". "unavailable": better-sqlite3 does not load here.
 */
export type FileSnapshotMessage =
  | { type: "progress"; progress: SnapshotProgress }
  | { type: "ready" }
  | { type: "done"; taken: Omit<TakenSnapshot, "ms"> }
  | { type: "unavailable"; reason: string }
  | { type: "error"; error: { message: string; stack?: string; code?: ErrorCode; hint?: string } };

/** Parent → child: the job first, then commands. */
export type FileSnapshotCommand = { type: "job"; job: FileSnapshotJob } | "publish" | "cancel";

const CHILD = join(__dirname, "sqliteFileSnapshotChild.js");
/** Learnt once: where better-sqlite3 does not load (not built for this Node), every snapshot takes the TypeORM path. */
let unavailable = !existsSync(CHILD); // sources run through a TypeScript loader

/** The snapshot, or null when better-sqlite3 does not load here (the caller reads through TypeORM). */
export function snapshotSqliteFile(file: string, schema: DatabaseSchema, storeDir: string, options: TakeSnapshotOptions): Promise<Omit<TakenSnapshot, "ms"> | null> {
  if (unavailable) return Promise.resolve(null);
  const job: FileSnapshotJob = { file, schema, storeDir, kind: options.kind, name: options.name, period: options.period, batchRows: options.batchRows, ddl: options.ddl, identity: options.identity };
  return new Promise((resolve, reject) => {
    // stdout stays the parent's own (the CLI prints --json there); a crash still shows on stderr.
    const child = fork(CHILD, [], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
    // The caller's onProgress threw: the snapshot fails with that error, and the child removes its file.
    let failure: { error: unknown } | null = null;
    let settled = false;
    const settle = (fn: () => void) => {
      if (!settled) {
        settled = true;
        fn();
      }
    };
    const send = (command: FileSnapshotCommand) => {
      if (child.connected) child.send(command);
    };
    child.on("message", (message: FileSnapshotMessage) => {
      switch (message.type) {
        case "progress":
          if (failure !== null) return;
          try {
            options.onProgress?.(message.progress);
          } catch (error) {
            failure = { error };
            send("cancel");
          }
          return;
        case "ready":
          // Messages arrive in order: every progress call before this one has run.
          send(failure === null ? "publish" : "cancel");
          return;
        case "done":
          return settle(() => resolve(message.taken));
        case "unavailable":
          unavailable = true;
          return settle(() => resolve(null));
        case "error":
          return settle(() => reject(failure !== null ? failure.error : revive(message.error)));
      }
    });
    child.on("error", (error) => settle(() => reject(error)));
    // "close", not "exit": it comes after the last message of the child.
    child.on("close", (code, signal) => settle(() => reject(new BackupError("INTERNAL",
      `the snapshot process stopped (${signal ?? `exit code ${code}`}) before it finished`))));
    send({ type: "job", job });
  });
}

function revive(e: Extract<FileSnapshotMessage, { type: "error" }>["error"]): Error {
  const error = e.code !== undefined ? new BackupError(e.code, e.message, e.hint) : new Error(e.message);
  if (e.stack !== undefined) error.stack = e.stack;
  return error;
}
