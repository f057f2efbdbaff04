/**
 * The child process of the fast SQLite snapshot (sqliteFast.ts): one
 * read-only better-sqlite3 connection, one read transaction for the head and
 * every table, rows written straight into the snapshot file by writeSnapshot.
 */
import type BetterSqlite3 from "better-sqlite3";
import { setImmediate as nextTurn } from "node:timers/promises";
import { quoteSqliteIdent as q } from "../capture/sqliteValues";
import { BackupError } from "../errors";
import type { ColumnValue, DatabaseSchema } from "../journal/types";
import type { FastCommand, FastJob, FastMessage } from "./sqliteFast";
import { type SnapshotProgress, writeSnapshot } from "./take";

class Cancelled extends Error {}

/** Set by "cancel", or when the parent is gone (nobody would publish or record the file). */
let cancelled = false;
let answer: ((publish: boolean) => void) | null = null;

process.on("message", (command: FastCommand) => {
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

function tell(message: FastMessage): void {
  if (process.connected) process.send!(message);
}

/** The last message; the process ends once it is sent. */
function finish(message: FastMessage): void {
  if (process.connected) process.send!(message, () => process.exit(0));
  else process.exit(0);
}

async function run(job: FastJob): Promise<void> {
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

async function take(db: BetterSqlite3.Database, job: FastJob) {
  try {
    // Every page is read once: better-sqlite3's 16 MB page cache would only make the reader's memory grow with the database.
    db.pragma("cache_size = -2000");
    // In WAL mode the first read fixes what the transaction sees; the seal
    // moves head.seq in the same commit as the rows, so both agree.
    db.exec("BEGIN");
    const head = db.prepare("SELECT seq, at FROM _changelog_head").get() as { seq: number; at: number } | undefined;
    const source = {
      seq: Number(head?.seq ?? 0),
      at: Number(head?.at ?? 0),
      batches: (table: string, size: number) => keysetBatches(db, job.schema, table, size),
    };
    const options = {
      kind: job.kind, name: job.name, batchRows: job.batchRows, ddl: job.ddl,
      onProgress: (progress: SnapshotProgress) => tell({ type: "progress", progress }),
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
 * The pages of the TypeORM path (SqliteDialect.keysetBatches), so rows come
 * in the same order: `WHERE (pk) > (last pk) ORDER BY pk LIMIT n`, by rowid
 * for a table without a declared key. all() per page is faster than
 * iterate() per row, and leaves the connection free between pages.
 * A page is read with integers as numbers, which rounds those beyond 2^53;
 * a page holding such a number (rare) is read again with every integer as
 * an exact bigint (safeIntegers, ~20% slower), then made canonical.
 */
async function* keysetBatches(db: BetterSqlite3.Database, schema: DatabaseSchema, table: string, size: number): AsyncGenerator<ColumnValue[][]> {
  const t = schema.tables.find((x) => x.name === table);
  if (!t) throw new Error(`table ${table} is not in the schema being read`);
  const declared = db.prepare("SELECT count(*) FROM pragma_table_info(?) WHERE pk > 0").pluck().get(table) as number;
  const byRowid = declared === 0;
  const width = t.columns.length;
  const keys = byRowid ? ["rowid"] : t.primaryKey.map(q);
  const keyAt = byRowid ? [width] : t.primaryKey.map((k) => t.columns.findIndex((c) => c.name === k));
  const select = `SELECT ${t.columns.map((c) => q(c.name)).join(", ")}${byRowid ? ", rowid" : ""} FROM ${q(table)}`;
  const limit = Math.max(1, Math.floor(size));
  const order = `ORDER BY ${keys.join(", ")} LIMIT ${limit}`;
  const first = db.prepare(`${select} ${order}`).raw(true);
  const next = db.prepare(`${select} WHERE (${keys.join(", ")}) > (${keys.map(() => "?").join(", ")}) ${order}`).raw(true);
  const read = async (statement: BetterSqlite3.Statement, after: ColumnValue[]): Promise<ColumnValue[][]> => {
    // A turn of the event loop per page lets a "cancel" in.
    await nextTurn();
    if (cancelled) throw new Cancelled("cancelled by the parent");
    const page = statement.safeIntegers(false).all(...after) as ColumnValue[][];
    if (!mayBeRounded(page)) return page;
    const exact = statement.safeIntegers(true).all(...after) as ColumnValue[][];
    canonical(exact);
    return exact;
  };
  let page = await read(first, []);
  while (page.length > 0) {
    const last = keyAt.map((i) => page[page.length - 1][i]);
    // A NULL key compares as unknown, so paging past it would silently skip rows.
    if (last.includes(null)) {
      throw new BackupError("SCHEMA_MISMATCH", `table "${table}" has a row with NULL in its primary key (${t.primaryKey.join(", ")})`,
        "SQLite allows NULL in non-integer primary keys; give those rows a key value before taking a snapshot");
    }
    if (byRowid) for (const row of page) row.length = width;
    yield page;
    if (page.length < limit) return;
    page = await read(next, last);
  }
}

/** A whole number beyond ±(2^53 - 1): an integer the driver may have rounded (or a large real, read again for nothing). */
function mayBeRounded(rows: ColumnValue[][]): boolean {
  for (const row of rows) {
    for (const v of row) if (typeof v === "number" && (v > Number.MAX_SAFE_INTEGER || v < -Number.MAX_SAFE_INTEGER) && Number.isInteger(v)) return true;
  }
  return false;
}

/** Integers inside ±(2^53 - 1) as numbers, beyond as bigints: the canonical form (sqliteValues.ts). */
function canonical(rows: ColumnValue[][]): void {
  for (const row of rows) {
    for (let i = 0; i < row.length; i++) {
      const v = row[i];
      if (typeof v === "bigint") {
        const n = Number(v);
        if (Number.isSafeInteger(n)) row[i] = n;
      }
    }
  }
}
