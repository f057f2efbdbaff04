import { quoteIdent, quoteLiteral } from "../db/sql";
import { ColumnValue, Row } from "../db/types";

/**
 * SQLite rows travel from the outbox to the shipper as JSON objects built by
 * json_object() (the triggers themselves copy values natively; encoding
 * happens when the shipper reads). Plain JSON would lose three things, so
 * those are tagged:
 * - blobs ({"$b": hex}): json_object refuses blobs;
 * - integers beyond 2^53 ({"$i": text}): JavaScript numbers cannot hold them;
 * - reals: json_object prints 15 significant digits, so the value is printed
 *   with CAST(… AS TEXT), which round-trips, and embedded with json();
 *   infinities, which JSON cannot spell, are tagged ({"$r": text}).
 * The same expression serves live dumps, so capture and comparison agree.
 */
export function sqliteValueSql(ref: string): string {
  return `CASE typeof(${ref})` +
    ` WHEN 'integer' THEN CASE WHEN ${ref} BETWEEN -9007199254740991 AND 9007199254740991 THEN ${ref} ELSE json_object('$i', CAST(${ref} AS TEXT)) END` +
    ` WHEN 'real' THEN CASE WHEN abs(${ref}) <= 1.7976931348623157e308 THEN json(CAST(${ref} AS TEXT)) ELSE json_object('$r', CAST(${ref} AS TEXT)) END` +
    ` WHEN 'blob' THEN json_object('$b', hex(${ref}))` +
    ` ELSE ${ref} END`;
}

/**
 * json_object('col', <value>, …) for a row reference such as a table alias;
 * `stored` maps a column name to the name it is stored under there.
 */
export function sqliteRowJsonSql(rowRef: string, columns: string[], stored: (column: string) => string = (c) => c): string {
  const pairs = columns.map((c) => `${quoteLiteral(c, "sqlite")}, ${sqliteValueSql(`${rowRef}.${quoteIdent(stored(c))}`)}`);
  return `json_object(${pairs.join(", ")})`;
}

function untag(value: unknown): ColumnValue {
  if (value === null || typeof value !== "object") return value as ColumnValue;
  const tagged = value as Record<string, string>;
  if ("$b" in tagged) return Buffer.from(tagged.$b, "hex");
  if ("$i" in tagged) return BigInt(tagged.$i);
  if ("$r" in tagged) return Number(tagged.$r.replace("Inf", "Infinity"));
  throw new Error(`unexpected JSON value in captured row: ${JSON.stringify(value)}`);
}

export function parseSqliteRowJson(json: string): Row {
  const parsed = JSON.parse(json) as Record<string, unknown>;
  const row: Row = {};
  for (const [column, value] of Object.entries(parsed)) row[column] = untag(value);
  return row;
}

const EXACT = "_changelog_exact";

/**
 * A faster read of whole rows for snapshots: the driver's own values, which
 * already are the canonical ones (numbers, text, Buffers, NULL), except an
 * integer beyond 2^53, which the driver would round. A row holding one also
 * comes as canonical JSON in an extra column, used instead.
 */
export function sqliteNativeRowSql(rowRef: string, columns: string[]): string {
  const big = columns.map((c) => {
    const ref = `${rowRef}.${quoteIdent(c)}`;
    return `(typeof(${ref}) = 'integer' AND (${ref} > 9007199254740991 OR ${ref} < -9007199254740991))`;
  });
  const values = columns.map((c) => `${rowRef}.${quoteIdent(c)} AS ${quoteIdent(c)}`);
  return `${values.join(", ")}, CASE WHEN ${big.join(" OR ") || "0"} THEN ${sqliteRowJsonSql(rowRef, columns)} END AS ${EXACT}`;
}

/** The canonical row of a sqliteNativeRowSql result (the extra column removed). */
export function rowFromNative(native: Record<string, unknown>): Row {
  const exact = native[EXACT];
  if (typeof exact === "string") return parseSqliteRowJson(exact);
  delete native[EXACT];
  return native as Row;
}
