/**
 * The committed changes of a range of transactions, read from SQLite's
 * outbox tables in capture order. Each table is read a page at a time by
 * keyset (its own order is seq, capture order, rowid), and the tables are
 * merged by (seq, capture order, table, rowid): the order the shipper has
 * always used. Memory holds one page per table, whatever one transaction
 * did, so a bulk statement of millions of rows ships like any other (I6).
 */
import type { DataSource } from "typeorm";
import type { CapturedChange } from "./outbox";
import { changeFromOutbox, type OutboxChange, outboxPageSql } from "./sqliteOutbox";

const PAGE_ROWS = 2000;

interface TableCursor {
  table: string;
  columns: string[];
  page: OutboxChange[];
  index: number;
  done: boolean;
}

function compare(a: OutboxChange, b: OutboxChange): number {
  return a.seq - b.seq || a.ord - b.ord || (a.table < b.table ? -1 : a.table > b.table ? 1 : 0) || a.rid - b.rid;
}

/** Changes of transactions (afterSeq, upTo] in `tables` (name → outbox layout), each with its commit time from `at`, a page at a time. */
export async function* committedChanges(reader: DataSource, tables: [string, string[]][], afterSeq: number, upTo: number,
  at: Map<number, number>): AsyncGenerator<CapturedChange[]> {
  const cursors: TableCursor[] = tables.map(([table, columns]) => ({ table, columns, page: [], index: 0, done: false }));
  const fill = async (c: TableCursor) => {
    const last = c.page[c.page.length - 1];
    const params = last ? [last.seq, last.ord, last.rid, upTo] : [afterSeq, upTo];
    const rows: Record<string, unknown>[] = await reader.query(outboxPageSql(c.table, c.columns, last !== undefined, PAGE_ROWS), params);
    c.page = rows.map((row) => changeFromOutbox(c.table, c.columns, row));
    c.index = 0;
    c.done = rows.length < PAGE_ROWS;
  };
  for (const c of cursors) await fill(c);
  const merged = (change: OutboxChange): CapturedChange =>
    ({ seq: change.seq, at: at.get(change.seq) ?? 0, table: change.table, op: change.op, before: change.before, after: change.after });
  for (;;) {
    let out: CapturedChange[] = [];
    for (;;) {
      let best: TableCursor | null = null;
      let empty: TableCursor | null = null;
      for (const c of cursors) {
        if (c.index >= c.page.length) {
          if (!c.done) empty = c;
          continue;
        }
        if (!best || compare(c.page[c.index], best.page[best.index]) < 0) best = c;
      }
      // A table whose page ran out may hold the next change: fetch it (after handing on what is merged) before choosing.
      if (empty) break;
      if (!best) {
        if (out.length > 0) yield out;
        return;
      }
      // One table alone: the rest of its page is in order as it is.
      if (cursors.length === 1) {
        out = best.page.slice(best.index).map(merged);
        best.index = best.page.length;
        break;
      }
      out.push(merged(best.page[best.index++]));
      if (out.length >= PAGE_ROWS) break;
    }
    if (out.length > 0) yield out;
    for (const c of cursors) if (c.index >= c.page.length && !c.done) await fill(c);
  }
}
