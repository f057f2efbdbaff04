/**
 * The journal between a snapshot and the instant asked for, folded into the
 * last image of every row it touched (or "gone"), so the state at that
 * instant is the snapshot's rows with these laid over them. It lives in a
 * scratch SQLite file in the store's scratch folder (leftovers/scratch.ts:
 * a killed run's is swept by the next command), not in memory: a journal of
 * millions of changes after the snapshot costs disk, not RAM (I6). No
 * database of the app is touched (I8). Where better-sqlite3 does not load,
 * a Map holds it (memory then grows with the rows the journal touched).
 */
import * as path from "node:path";
import type BetterSqlite3 from "better-sqlite3";
import { makeScratchFolder } from "../leftovers/scratch";
import { NEGATIVE_ZERO, rowPackr } from "../journal/msgpack";
import type { ColumnValue, Row } from "../db/types";

export interface Overlay {
  /** The row's last image (column values in the snapshot's order), null when deleted, undefined when untouched. */
  take(table: string, key: Buffer): ColumnValue[] | null | undefined;
  set(table: string, key: Buffer, values: ColumnValue[] | null): void;
  /** Tables with any entry. */
  touched(table: string): boolean;
  /** Rows still held for `table` (those the snapshot did not have), removed as they are read. */
  remaining(table: string): Iterable<ColumnValue[]>;
  close(): Promise<void>;
}

/** The key of a row as bytes: msgpack of its key values, the same for the snapshot's row and the journal's image of it. */
export function keyBytes(values: readonly ColumnValue[]): Buffer {
  return rowPackr.pack(values);
}

export function valuesIn(row: Row, columns: readonly string[]): ColumnValue[] {
  return columns.map((c) => row[c] ?? null);
}

// -0 survives msgpack only through the journal's extension (journal/msgpack.ts).
const encode = (values: ColumnValue[] | null): Buffer | null => (values === null ? null : rowPackr.pack(values.map((v) => (Object.is(v, -0) ? NEGATIVE_ZERO : v))));
const decode = (bytes: Buffer | null): ColumnValue[] | null => (bytes === null ? null : (rowPackr.unpack(bytes) as ColumnValue[]));

class FileOverlay implements Overlay {
  private readonly tables = new Set<string>();
  private readonly get: BetterSqlite3.Statement;
  private readonly del: BetterSqlite3.Statement;
  private readonly put: BetterSqlite3.Statement;
  private readonly rest: BetterSqlite3.Statement;
  private pending = 0;

  constructor(private readonly db: BetterSqlite3.Database, private readonly scratch: { remove(): Promise<void> }) {
    db.pragma("journal_mode = OFF");
    db.pragma("synchronous = OFF");
    db.exec("CREATE TABLE o (t TEXT NOT NULL, k BLOB NOT NULL, v BLOB, PRIMARY KEY (t, k)) WITHOUT ROWID");
    this.get = db.prepare("SELECT v FROM o WHERE t = ? AND k = ?").pluck();
    this.del = db.prepare("DELETE FROM o WHERE t = ? AND k = ?");
    this.put = db.prepare("INSERT INTO o (t, k, v) VALUES (?, ?, ?) ON CONFLICT (t, k) DO UPDATE SET v = excluded.v");
    this.rest = db.prepare("SELECT k, v FROM o WHERE t = ? AND v IS NOT NULL ORDER BY k").raw();
    db.exec("BEGIN");
  }

  set(table: string, key: Buffer, values: ColumnValue[] | null): void {
    this.tables.add(table);
    this.put.run(table, key, encode(values));
    // Commit now and then: one huge transaction would keep its whole undo in memory.
    if (++this.pending >= 50_000) { this.db.exec("COMMIT"); this.db.exec("BEGIN"); this.pending = 0; }
  }

  touched(table: string): boolean {
    return this.tables.has(table);
  }

  take(table: string, key: Buffer): ColumnValue[] | null | undefined {
    const found = this.get.get(table, key) as Buffer | null | undefined;
    if (found === undefined) return undefined;
    this.del.run(table, key);
    return decode(found);
  }

  *remaining(table: string): Iterable<ColumnValue[]> {
    for (const [, v] of this.rest.iterate(table) as IterableIterator<[Buffer, Buffer]>) yield decode(v)!;
  }

  async close(): Promise<void> {
    try { this.db.close(); } finally { await this.scratch.remove(); }
  }
}

/** Without better-sqlite3, and for an export with no journal to fold (empty). */
export class MemoryOverlay implements Overlay {
  private readonly rows = new Map<string, Map<string, ColumnValue[] | null>>();
  set(table: string, key: Buffer, values: ColumnValue[] | null): void {
    let t = this.rows.get(table);
    if (!t) this.rows.set(table, (t = new Map()));
    t.set(key.toString("latin1"), values);
  }
  touched(table: string): boolean { return this.rows.has(table); }
  take(table: string, key: Buffer): ColumnValue[] | null | undefined {
    const t = this.rows.get(table);
    const k = key.toString("latin1");
    const found = t?.get(k);
    if (found !== undefined) t!.delete(k);
    return found;
  }
  *remaining(table: string): Iterable<ColumnValue[]> {
    for (const v of this.rows.get(table)?.values() ?? []) if (v !== null) yield v;
  }
  async close(): Promise<void> { this.rows.clear(); }
}

/** An overlay in a scratch folder of the store's (removed with the overlay), or in memory where better-sqlite3 does not load. */
export async function openOverlay(store: string): Promise<Overlay> {
  let Database: typeof BetterSqlite3;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    Database = require("better-sqlite3");
  } catch {
    return new MemoryOverlay();
  }
  const scratch = await makeScratchFolder(store);
  return new FileOverlay(new Database(path.join(scratch.dir, "overlay.db")), scratch);
}
