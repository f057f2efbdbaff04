/**
 * Where two copies of a table differ: the live database and the journal
 * replayed into a scratch database. Both sides are read in primary-key order
 * by the same engine, so one merge pass finds every missing, extra and
 * different row with two pages in memory. Only when keys differ is the order
 * asked of the database itself (its collation, not JavaScript's, sorted the
 * pages). A table keyed by all its columns (or by none) has no order both
 * sides share; it is compared as a multiset of rows instead, in memory.
 */
import { isDeepStrictEqual } from "node:util";
import type { QueryRunner } from "typeorm";
import { type ColumnValue, keyOf, type Row, type TableSchema } from "../db/types";
import { Params } from "../db/sql";
import { Engine } from "../db/types";

export interface DriftSample {
  /** missing: in the journal, not in the live database; extra: the other way; different: same key, other values. */
  kind: "missing" | "extra" | "different";
  key: Row;
  live: Row | null;
  replayed: Row | null;
}

export interface TableDrift {
  table: string;
  liveRows: number;
  replayedRows: number;
  missing: number;
  extra: number;
  different: number;
  /** The first few differences, to show. */
  samples: DriftSample[];
}

const SAMPLES = 5;

/** Orders two keys as the database does: -1, 0 or 1. */
type KeyOrder = (a: Row, b: Row) => Promise<number>;

export function keyOrder(runner: QueryRunner, engine: Engine, table: TableSchema): KeyOrder {
  const types = table.primaryKey.map((c) => table.columns.find((x) => x.name === c)?.type ?? "text");
  return async (a, b) => {
    const params = new Params(engine);
    const side = (row: Row) => table.primaryKey.map((c, i) => {
      const placeholder = params.add(pgText(row[c], engine));
      return engine === "postgres" ? `${placeholder}::${types[i]}` : placeholder;
    }).join(", ");
    const left = side(a);
    const right = side(b);
    // PostgreSQL's $n can be used twice; SQLite's ? are positional and need the values twice.
    const values = engine === "postgres" ? params.values : [...params.values, ...params.values];
    const rows: { lt: number | boolean; eq: number | boolean }[] = await runner.query(
      `SELECT (${left}) < (${right}) AS lt, (${left}) = (${right}) AS eq`, values);
    if (rows[0]?.eq === true || rows[0]?.eq === 1) return 0;
    return rows[0]?.lt === true || rows[0]?.lt === 1 ? -1 : 1;
  };
}

/** PostgreSQL takes every key as text cast to the column's type; bytea as its hex form. */
function pgText(value: ColumnValue | undefined, engine: Engine): ColumnValue {
  if (engine !== "postgres" || value === undefined) return value ?? null;
  if (Buffer.isBuffer(value)) return `\\x${value.toString("hex")}`;
  if (typeof value === "boolean") return value ? "true" : "false";
  return value;
}

class Cursor {
  private page: Row[] = [];
  private index = 0;
  count = 0;
  constructor(private readonly pages: AsyncIterator<Row[]>) {}

  async peek(): Promise<Row | null> {
    while (this.index >= this.page.length) {
      const next = await this.pages.next();
      if (next.done) return null;
      this.page = next.value;
      this.index = 0;
    }
    return this.page[this.index];
  }

  take(): void {
    this.index++;
    this.count++;
  }
}

/** Compares one table, both sides in key order (keyed tables) or any order (multiset). */
export async function compareTable(table: TableSchema, live: AsyncIterable<Row[]>, replayed: AsyncIterable<Row[]>, order: KeyOrder): Promise<TableDrift> {
  const drift: TableDrift = { table: table.name, liveRows: 0, replayedRows: 0, missing: 0, extra: 0, different: 0, samples: [] };
  const note = (kind: DriftSample["kind"], l: Row | null, r: Row | null) => {
    drift[kind]++;
    if (drift.samples.length < SAMPLES) drift.samples.push({ kind, key: keyOf((l ?? r) as Row, table), live: l, replayed: r });
  };
  const a = new Cursor(live[Symbol.asyncIterator]());
  const b = new Cursor(replayed[Symbol.asyncIterator]());
  if (table.primaryKey.length === table.columns.length) {
    await compareMultiset(a, b, note);
  } else {
    for (;;) {
      const l = await a.peek();
      const r = await b.peek();
      if (l === null && r === null) break;
      const cmp = l === null ? 1 : r === null ? -1 : isDeepStrictEqual(keyOf(l, table), keyOf(r, table)) ? 0 : await order(keyOf(l, table), keyOf(r, table));
      if (cmp === 0) {
        if (!isDeepStrictEqual(l, r)) note("different", l, r);
        a.take();
        b.take();
      } else if (cmp < 0) {
        note("extra", l, null);
        a.take();
      } else {
        note("missing", null, r);
        b.take();
      }
    }
  }
  drift.liveRows = a.count;
  drift.replayedRows = b.count;
  return drift;
}

async function compareMultiset(a: Cursor, b: Cursor, note: (kind: DriftSample["kind"], l: Row | null, r: Row | null) => void): Promise<void> {
  const text = (row: Row) => JSON.stringify(Object.entries(row), (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v));
  const counts = new Map<string, { row: Row; n: number }>();
  for (let row = await a.peek(); row !== null; row = await a.peek()) {
    const k = text(row);
    const entry = counts.get(k) ?? { row, n: 0 };
    entry.n++;
    counts.set(k, entry);
    a.take();
  }
  for (let row = await b.peek(); row !== null; row = await b.peek()) {
    const k = text(row);
    const entry = counts.get(k);
    if (entry && entry.n > 0) entry.n--;
    else note("missing", null, row);
    b.take();
  }
  for (const { row, n } of counts.values()) for (let i = 0; i < n; i++) note("extra", row, null);
}
