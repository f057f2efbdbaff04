/**
 * The vocabulary of the integrity rules (DESIGN.md, "Integrity rules"): the
 * row events a scan or a replay emits, the commit that ends each
 * transaction, and the findings rules report. The row event and the finding
 * are restore's (restore/events.ts): the same stream restore emits.
 */
import type { Row } from "../db/types";
import type { Finding, RowEvent, Severity } from "../restore/events";

export type { Finding, RowEvent, Severity } from "../restore/events";

/**
 * The end of a transaction (in a replay), or of a scan or a snapshot's load:
 * the state is complete here, so rules that compare rows with each other
 * decide now (a line and its order's total are written in one transaction,
 * and only agree once both are).
 */
export interface Commit {
  op: "commit";
  seq: number;
  at: number;
}

/** What a rule reads: row events, each transaction closed by a commit. */
export type IntegrityEvent = RowEvent | Commit;

export function isRow(event: IntegrityEvent): event is RowEvent {
  return event.op !== "commit";
}

/** A finding, or in a replay the news that one stopped holding (`resolved`). */
export interface Verdict extends Finding {
  /** The finding of (rule, table, key) no longer holds from `seq` on. */
  resolved?: boolean;
}

/** The subject a verdict is about: one finding's identity across a replay. */
export function subjectOf(v: Pick<Finding, "rule" | "table" | "key" | "columns">): string {
  return JSON.stringify([v.rule, v.table ?? null, v.columns ?? null, v.key === undefined ? null : keyText(v.key)]);
}

/** A key as stable text: values as the database holds them (bigint as digits, bytes as hex). */
export function keyText(key: Row): string {
  return JSON.stringify(Object.keys(key).sort().map((k) => [k, valueText(key[k])]));
}

export function valueText(v: Row[string] | undefined): string | number | boolean | null {
  if (v === undefined || v === null) return null;
  if (typeof v === "bigint") return v.toString();
  if (Buffer.isBuffer(v)) return `\\x${v.toString("hex")}`;
  return v;
}

/**
 * An update that leaves these columns as they were: a rule whose state
 * reads only them has nothing to do (most updates change a quantity, not a
 * key, a reference or a total).
 */
export function unchanged(e: RowEvent, columns: readonly string[]): boolean {
  if (!e.before || !e.after) return false;
  // NaN differs from itself: such an update is taken as a change, which is only slower.
  return columns.every((c) => valueText(e.before![c]) === valueText(e.after![c]));
}

/** The key keyText wrote, back as a row (big integers as digits, bytes as \\x… text): for messages and reports. */
export function keyFromText(text: string): Row {
  return Object.fromEntries(JSON.parse(text) as [string, string | number | boolean | null][]);
}

export const SEVERITIES: Severity[] = ["error", "warning", "info"];
