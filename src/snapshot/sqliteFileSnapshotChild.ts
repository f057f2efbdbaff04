/**
 * The child process of a SQLite file snapshot (sqliteFileSnapshot.ts): one
 * read-only better-sqlite3 connection, one read transaction for the head and
 * every table, pages of rows (sqlitePages.ts, packed in C where the native
 * encoder loads) written straight into the snapshot file by writeSnapshot.
 */
import type BetterSqlite3 from "better-sqlite3";
import { setImmediate as nextTurn } from "node:timers/promises";
import { BackupError } from "../errors";
import { tableOf } from "../db/types";
import { loadNativeEncoder } from "./nativeEncoder";
import type { FileSnapshotCommand, FileSnapshotJob, FileSnapshotMessage } from "./sqliteFileSnapshot";
import { tablePages } from "./sqlitePages";
import type { SnapshotProgress } from "./snapshotOptions";
import { writeSnapshot } from "./writeSnapshot";
import { readHeadSync } from "../capture/head";

class Cancelled extends Error {}

/** Set by "cancel", or when the parent is gone (nobody would publish or record the file). */
let cancelled = false;
let answer: ((publish: boolean) => void) | null = null;

process.on("message", (command: FileSnapshotCommand) => {
  if (typeof command === "object") void run(command.job);
  else if (command === "publish") answer?.(true);
  else {
    cancelled = true;
    answer?.(false);
  }
});
process.on("disconnect", () => {
  cancelled = true;
  answer?.(false);
});

function tell(message: FileSnapshotMessage): void {
  if (process.connected) process.send!(message);
}

/** The last message; the process ends once it is sent. */
function finish(message: FileSnapshotMessage): void {
  if (process.connected) process.send!(message, () => process.exit(0));
  else process.exit(0);
}

async function run(job: FileSnapshotJob): Promise<void> {
  let Database: typeof BetterSqlite3;
  try {
    Database = require("better-sqlite3");
  } catch (error) {
    return finish({ type: "unavailable", reason: String(error) });
  }
  try {
    finish({ type: "done", taken: await take(new Database(job.file, { readonly: true, fileMustExist: true }), job) });
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    const backup = e instanceof BackupError ? { code: e.code, hint: e.hint } : {};
    finish({ type: "error", error: { message: e.message, stack: e.stack, ...backup } });
  }
}

async function take(db: BetterSqlite3.Database, job: FileSnapshotJob) {
  try {
    // Every page is read once: better-sqlite3's 16 MB page cache would only make the reader's memory grow with the database.
    db.pragma("cache_size = -2000");
    const native = loadNativeEncoder(db);
    // In WAL mode the first read fixes what the transaction sees; the seal
    // moves head.seq in the same commit as the rows, so both agree.
    db.exec("BEGIN");
    const head = readHeadSync(db);
    const source = {
      seq: head.seq,
      at: head.at,
      batches: (table: string, size: number) => tablePages(db, tableOf(job.schema, table), size, native, pause),
    };
    const options = {
      kind: job.kind, name: job.name, period: job.period, batchRows: job.batchRows, ddl: job.ddl, identity: job.identity,
      onProgress: throttled((progress: SnapshotProgress) => tell({ type: "progress", progress })),
    };
    return await writeSnapshot(source, job.schema, job.storeDir, options, async () => {
      // The parent says whether its onProgress failed; only then may the file get its name.
      tell({ type: "ready" });
      const publish = cancelled ? false : await new Promise<boolean>((resolve) => { answer = resolve; });
      if (!publish) throw new Cancelled("cancelled by the parent");
    });
  } finally {
    db.close();
  }
}

/**
 * Progress for the parent at each new table and at most every 50 ms between:
 * a message per page (hundreds a second) cost a tenth of a snapshot's time.
 */
function throttled(report: (progress: SnapshotProgress) => void): (progress: SnapshotProgress) => void {
  let sentAt = -Infinity;
  let table = "";
  return (progress) => {
    const now = performance.now();
    if (progress.table === table && now - sentAt < 50) return;
    sentAt = now;
    table = progress.table;
    report(progress);
  };
}

/** A turn of the event loop before each page lets a "cancel" in. */
async function pause(): Promise<void> {
  await nextTurn();
  if (cancelled) throw new Cancelled("cancelled by the parent");
}
