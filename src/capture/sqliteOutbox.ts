import { Row } from "../db/types";
import { quoteIdent as q } from "../db/sql";
import { parseSqliteRowJson, sqliteRowJsonSql } from "./sqliteJson";

/**
 * The SQLite outbox: one table per captured table, "_changelog_ob_<table>",
 * holding per changed row its transaction's seq, its place in the order of
 * changes (_ord), the operation, and the old ("o:col") and new ("n:col")
 * value of every column, copied natively by the triggers.
 */
export const OUTBOX_PREFIX = "_changelog_ob_";
export const outboxOf = (table: string) => `${OUTBOX_PREFIX}${table}`;
export const oldName = (column: string) => `o:${column}`;
export const newName = (column: string) => `n:${column}`;

export const OPS = [
  { event: "INSERT", op: "I", old: false, new: true },
  { event: "UPDATE", op: "U", old: true, new: true },
  { event: "DELETE", op: "D", old: true, new: false },
] as const;

export const triggerName = (table: string, op: string) => `_changelog_${table}_${op}`;

/** Outbox columns without declared types: no affinity, values kept exactly as stored. */
export function outboxTableSql(table: string, columns: string[]): string {
  const values = [...columns.map((c) => q(oldName(c))), ...columns.map((c) => q(newName(c)))];
  return `CREATE TABLE ${q(outboxOf(table))} (_seq INTEGER NOT NULL, _ord INTEGER NOT NULL, _op TEXT NOT NULL, ${values.join(", ")})`;
}

/** The triggers copy values as they are: nothing is encoded on the app's write path. */
export function triggerSql(table: string, columns: string[]): string[] {
  return OPS.flatMap((o) => {
    const name = q(triggerName(table, o.op));
    const olds = columns.map((c) => (o.old ? `OLD.${q(c)}` : "NULL"));
    const news = columns.map((c) => (o.new ? `NEW.${q(c)}` : "NULL"));
    return [
      `DROP TRIGGER IF EXISTS ${name}`,
      `CREATE TRIGGER ${name} AFTER ${o.event} ON ${q(table)} BEGIN ` +
        `INSERT INTO ${q(outboxOf(table))} VALUES ((SELECT seq + 1 FROM _changelog_head), total_changes(), '${o.op}', ` +
        `${[...olds, ...news].join(", ")}); ` +
        // After the first captured row the WHERE fails and nothing is written.
        "UPDATE _changelog_head SET dirty = 1 WHERE dirty = 0; END",
    ];
  });
}

function bigIntegerIn(columns: string[], stored: (c: string) => string): string {
  const tests = columns.map((c) => {
    const ref = `x.${q(stored(c))}`;
    return `(typeof(${ref}) = 'integer' AND (${ref} > 9007199254740991 OR ${ref} < -9007199254740991))`;
  });
  return tests.join(" OR ") || "0";
}

/**
 * Reads one outbox table's rows of the transactions in (after, upTo], a page
 * at a time in capture order (_seq, _ord, rowid), after the row `cursor`
 * names when one is given: parameters (seq, ord, rowid, upTo), else (after, upTo). The
 * index on (_seq, _ord) makes every page a seek, however large one
 * transaction is. Values come as the driver reads them, which is their
 * canonical form, except an integer beyond 2^53 (the driver would round
 * it): an image holding one also comes as canonical JSON, used instead.
 */
export function outboxPageSql(table: string, columns: string[], cursor: boolean, limit: number): string {
  const exact = (name: (c: string) => string, alias: string) =>
    `CASE WHEN ${bigIntegerIn(columns, name)} THEN ${sqliteRowJsonSql("x", columns, name)} END AS ${alias}`;
  // The row value alone as the lower bound: SQLite seeks the index on it (with `_seq > ?` beside it, it scanned from there).
  const from = cursor ? "(x._seq, x._ord, x.rowid) > (?, ?, ?)" : "x._seq > ?";
  return `SELECT x.*, x.rowid AS _rid, ${exact(oldName, "_exact_old")}, ${exact(newName, "_exact_new")} ` +
    `FROM ${q(outboxOf(table))} AS x WHERE ${from} AND x._seq <= ? ORDER BY x._seq, x._ord, x.rowid LIMIT ${Math.max(1, Math.floor(limit))}`;
}

/** The index that keeps capture order: a page of a transaction of millions of rows is a seek, not a sort. */
export function outboxIndexSql(table: string): string {
  return `CREATE INDEX IF NOT EXISTS ${q(`${outboxOf(table)}_order`)} ON ${q(outboxOf(table))} (_seq, _ord)`;
}

export interface OutboxChange {
  seq: number;
  ord: number;
  rid: number;
  table: string;
  op: string;
  before: Row | null;
  after: Row | null;
}

function image(native: Record<string, unknown>, columns: string[], name: (c: string) => string, exact: unknown): Row {
  if (typeof exact === "string") return parseSqliteRowJson(exact);
  const row: Row = {};
  for (const c of columns) row[c] = native[name(c)] as Row[string];
  return row;
}

export function changeFromOutbox(table: string, columns: string[], native: Record<string, unknown>): OutboxChange {
  const op = native._op as string;
  return {
    seq: Number(native._seq),
    ord: Number(native._ord),
    rid: Number(native._rid),
    table,
    op,
    before: op === "I" ? null : image(native, columns, oldName, native._exact_old),
    after: op === "D" ? null : image(native, columns, newName, native._exact_new),
  };
}
