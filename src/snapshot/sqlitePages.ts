/**
 * The pages of a table of a SQLite file, read with better-sqlite3 for a
 * snapshot (sqliteFileSnapshotChild.ts), in the order of the TypeORM path
 * (SqliteDialect.keysetBatches) so that both write the same bytes: by
 * primary key, by rowid for a table without one.
 *
 * With the native encoder (nativeEncoder.ts) a page is one Buffer packed
 * inside SQLite, never a JS value per column:
 * - a table keyed by its rowid (an INTEGER PRIMARY KEY, or none declared):
 *   ranges of rowids read straight off the table's b-tree (rowidPages);
 * - any other key: the rows up to a page's last key, sorted by the
 *   aggregate itself (keyPages).
 * Without it, or for a page it declines (a text that is not valid UTF-8,
 * which JavaScript reads differently), the page is read as values.
 */
import { quoteIdent as q } from "../db/sql";
import type BetterSqlite3 from "better-sqlite3";
import { BackupError } from "../errors";
import type { ColumnValue, TableSchema } from "../db/types";
import { PackedRows } from "./packedRows";

type Page = ColumnValue[][] | PackedRows;

/** The rows of `table` in pages of about `size` rows. `pause` runs before each page (a turn of the event loop, where a cancel may throw). */
export async function* tablePages(db: BetterSqlite3.Database, table: TableSchema, size: number, native: boolean,
  pause: () => Promise<void>): AsyncGenerator<Page> {
  const limit = Math.max(1, Math.floor(size));
  const key = native ? rowidKey(db, table.name) : null;
  if (key !== null) yield* rowidPages(db, table, key, limit, pause);
  else yield* keyPages(db, table, limit, native, pause);
}

/**
 * The column that is the table's rowid ("rowid" when no key is declared), or
 * null. A one-column primary key is the rowid exactly when SQLite made no
 * index for it (INTEGER PRIMARY KEY; not "INTEGER PRIMARY KEY DESC", "INT",
 * or a WITHOUT ROWID table).
 */
function rowidKey(db: BetterSqlite3.Database, table: string): string | null {
  const keys = db.prepare("SELECT name FROM pragma_table_info(?) WHERE pk > 0").pluck().all(table) as string[];
  if (keys.length === 0) return "rowid";
  const keyIndexes = db.prepare("SELECT count(*) FROM pragma_index_list(?) WHERE origin = 'pk'").pluck().get(table) as number;
  return keys.length === 1 && keyIndexes === 0 ? q(keys[0]) : null;
}

/**
 * Rowid ranges [lo, hi] read NOT INDEXED, so off the table's b-tree in rowid
 * order (which stk_msgpack_ordered checks), with no page bound to look up:
 * the range widens where rowids are sparse and narrows where they are dense,
 * so a page holds about `limit` rows and at most 16 times that (rowids are
 * unique); an empty range jumps to the next rowid.
 */
async function* rowidPages(db: BetterSqlite3.Database, table: TableSchema, key: string, limit: number, pause: () => Promise<void>): AsyncGenerator<Page> {
  const columns = table.columns.map((c) => q(c.name)).join(", ");
  const range = `FROM ${q(table.name)} NOT INDEXED WHERE ${key} >= ? AND ${key} <= ?`;
  const packed = db.prepare(`SELECT stk_msgpack_ordered(${key}, ${columns}), count(*) ${range}`).raw(true);
  const values = db.prepare(`SELECT ${columns} ${range} ORDER BY ${key}`).raw(true);
  const nextKey = db.prepare(`SELECT min(${key}) FROM ${q(table.name)} WHERE ${key} > ?`).pluck().safeIntegers(true);
  const [first, end] = db.prepare(`SELECT min(${key}), max(${key}) FROM ${q(table.name)}`).raw(true).safeIntegers(true).get() as [bigint | null, bigint | null];
  if (first === null || end === null) return;
  const most = BigInt(limit) * 16n;
  let span = BigInt(limit);
  let lo = first;
  for (;;) {
    await pause();
    const hi: bigint = end - lo < span ? end : lo + span - 1n;
    const [bytes, count] = packed.get(lo, hi) as [Buffer | null, number];
    if (count > 0) yield bytes !== null ? new PackedRows(bytes, count) : readValues(values, [lo, hi]);
    if (hi === end) return;
    if (count === 0) {
      lo = nextKey.get(hi) as bigint;
      continue;
    }
    if (count < limit / 2 && span < most) span *= 2n;
    else if (count > limit && span > BigInt(limit)) span /= 2n;
    lo = hi + 1n;
  }
}

/**
 * `WHERE (pk) > (last pk) ORDER BY pk LIMIT n`, as the TypeORM path pages.
 * Packed: the rows up to the page's last key (looked up first), ORDER BY
 * inside the aggregate.
 */
async function* keyPages(db: BetterSqlite3.Database, table: TableSchema, limit: number, native: boolean, pause: () => Promise<void>): AsyncGenerator<Page> {
  const name = table.name;
  const byRowid = db.prepare("SELECT count(*) FROM pragma_table_info(?) WHERE pk > 0").pluck().get(name) === 0;
  const width = table.columns.length;
  const keys = byRowid ? ["rowid"] : table.primaryKey.map(q);
  const keyAt = byRowid ? [width] : table.primaryKey.map((k) => table.columns.findIndex((c) => c.name === k));
  const columns = table.columns.map((c) => q(c.name)).join(", ");
  const tuple = `(${keys.join(", ")})`;
  const after = `${tuple} > (${keys.map(() => "?").join(", ")})`;
  const upTo = `${tuple} <= (${keys.map(() => "?").join(", ")})`;
  const order = `ORDER BY ${keys.join(", ")}`;
  const where = (conditions: string[]) => (conditions.length > 0 ? `WHERE ${conditions.join(" AND ")}` : "");
  // Each statement in two forms: for the first page (no lower bound) and for the next ones.
  const twice = (sql: (conditions: string[]) => string) => ({ first: db.prepare(sql([])).raw(true), next: db.prepare(sql([after])).raw(true) });
  const rows = twice((c) => `SELECT ${columns}${byRowid ? ", rowid" : ""} FROM ${q(name)} ${where(c)} ${order} LIMIT ${limit}`);
  const keyAfter = twice((c) => `SELECT ${keys.join(", ")} FROM ${q(name)} ${where(c)} ${order} LIMIT 1 OFFSET ?`);
  const packed = native ? {
    toEnd: twice((c) => `SELECT stk_msgpack_rows(${columns} ${order}), count(*) FROM ${q(name)} ${where(c)}`),
    toKey: twice((c) => `SELECT stk_msgpack_rows(${columns} ${order}), count(*) FROM ${q(name)} ${where([...c, upTo])}`),
  } : null;
  const pick = <T>(forms: { first: T; next: T }, bound: ColumnValue[] | null) => (bound === null ? forms.first : forms.next);

  let bound: ColumnValue[] | null = null;
  for (;;) {
    await pause();
    let page: Page | null = null;
    let last: ColumnValue[] | null = null;
    if (packed) {
      last = keyPast(pick(keyAfter, bound), bound, limit - 1);
      const [bytes, count] = pick(last === null ? packed.toEnd : packed.toKey, bound).get(...(bound ?? []), ...(last ?? [])) as [Buffer | null, number];
      if (count === 0) return;
      if (bytes !== null) {
        page = new PackedRows(bytes, count);
        last ??= keyPast(pick(keyAfter, bound), bound, count - 1);
      }
    }
    if (page === null) {
      const values = readValues(pick(rows, bound), bound ?? []);
      if (values.length === 0) return;
      last = keyAt.map((i) => values[values.length - 1][i]);
      if (byRowid) for (const row of values) row.length = width;
      page = values;
    }
    yield page;
    // A NULL key compares as unknown, so paging past it would silently skip rows.
    if (last!.includes(null)) {
      throw new BackupError("SCHEMA_MISMATCH", `table "${name}" has a row with NULL in its primary key (${table.primaryKey.join(", ")})`,
        "SQLite allows NULL in non-integer primary keys; give those rows a key value before taking a snapshot");
    }
    if ((page instanceof PackedRows ? page.rows : page.length) < limit) return;
    bound = last;
  }
}

/** The key `offset` rows past `bound` (null: from the start), exact; null when there is none. */
function keyPast(statement: BetterSqlite3.Statement, bound: ColumnValue[] | null, offset: number): ColumnValue[] | null {
  const key = statement.safeIntegers(true).get(...(bound ?? []), offset) as ColumnValue[] | undefined;
  if (key === undefined) return null;
  canonical([key]);
  return key;
}

/**
 * A page as values: all() is faster than iterate() per row. Integers are
 * read as numbers, which rounds those beyond 2^53; a page holding such a
 * number (rare) is read again with every integer as an exact bigint
 * (safeIntegers, ~20% slower), then made canonical.
 */
function readValues(statement: BetterSqlite3.Statement, params: unknown[]): ColumnValue[][] {
  const values = statement.safeIntegers(false).all(...params) as ColumnValue[][];
  if (!mayBeRounded(values)) return values;
  const exact = statement.safeIntegers(true).all(...params) as ColumnValue[][];
  canonical(exact);
  return exact;
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

/**
 * The rows of `table` that the SQL condition `where` holds for (the table
 * named `_cl` in it), in pages of `size`, in no particular order: one
 * statement stepped through, not a query per page, so a condition with a
 * subquery (an integrity rule's question: integrity/rule.ts) runs once.
 * The connection runs nothing else until the pages are read or returned.
 */
export function* filteredPages(db: BetterSqlite3.Database, table: TableSchema, size: number, where: string): Generator<ColumnValue[][]> {
  const columns = table.columns.map((c) => q(c.name)).join(", ");
  const rows = db.prepare(`SELECT ${columns} FROM ${q(table.name)} AS _cl WHERE ${where}`).raw(true).safeIntegers(true).iterate() as IterableIterator<ColumnValue[]>;
  let page: ColumnValue[][] = [];
  for (const row of rows) {
    page.push(row);
    if (page.length >= size) {
      canonical(page);
      yield page;
      page = [];
    }
  }
  if (page.length > 0) {
    canonical(page);
    yield page;
  }
}
