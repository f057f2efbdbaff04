/**
 * How a terminal shows row values: the texts of src/db/jsonText.ts, quoted,
 * only long prose cut (with a marker), and the encoding explained for --help.
 */
import { ColumnSchema, ColumnValue, Row } from "../db/types";
import { REDACTED } from "../secrets";

/** The encoding, for `--help`. */
export const VALUES_HELP = [
  "Values in --json: NULL, booleans and numbers as JSON (a double parses back to itself; -0 as -0.0; Infinity,",
  "-Infinity, NaN as strings); integers beyond 2^53 as strings of digits (PostgreSQL int8 and numeric are text);",
  "binary as base64; every other text (dates, timestamps, decimals, JSON, uuid) exactly as the database holds it.",
  "The terminal form shows the same texts, quoted; only long text is cut, marked \"…(+N chars)\".",
].join("\n");

/** A short form for a terminal: texts longer than this are abbreviated, with a marker. */
const ABBREVIATE_OVER = 100;
const ABBREVIATED_TO = 80;
const BYTES_SHOWN = 32;

/** Column types whose values are prose or documents, the only ones a terminal may abbreviate. */
function isLongText(column: ColumnSchema | undefined): boolean {
  if (!column) return true;
  return /char|text|clob|json|xml|simple-array/.test(column.type);
}

/**
 * One value for a terminal: NULL, numbers and booleans as such, text quoted
 * (JSON string syntax, so that "" and NULL, spaces and quotes stay visible)
 * and exactly as held; only long text of a text or JSON column is cut, with
 * "…(+N chars)" after the closing quote, and bytes beyond 32 with
 * "…(N bytes)". Dates, numbers and keys are never cut.
 */
export function displayValue(value: ColumnValue, column?: ColumnSchema): string {
  if (value === null) return "NULL";
  if (typeof value === "number") return Object.is(value, -0) ? "-0.0" : String(value);
  if (typeof value === "bigint" || typeof value === "boolean") return String(value);
  if (Buffer.isBuffer(value)) {
    const hex = value.subarray(0, BYTES_SHOWN).toString("hex");
    return value.length > BYTES_SHOWN ? `x'${hex}'…(${value.length} bytes)` : `x'${hex}'`;
  }
  const chars = [...value];
  if (chars.length > ABBREVIATE_OVER && isLongText(column)) {
    return `${JSON.stringify(chars.slice(0, ABBREVIATED_TO).join(""))}…(+${chars.length - ABBREVIATED_TO} chars)`;
  }
  return JSON.stringify(value);
}

/** A key value as `--key` takes it: the text itself, unquoted, never cut. */
export function keyValueText(value: ColumnValue): string {
  if (value === null) return "NULL";
  if (Buffer.isBuffer(value)) return `x'${value.toString("hex")}'`;
  if (typeof value === "number" && Object.is(value, -0)) return "-0.0";
  return String(value);
}

/** A table's columns by name, for displayValue. */
export function columnsOf(columns: ColumnSchema[] | undefined): Map<string, ColumnSchema> {
  return new Map((columns ?? []).map((c) => [c.name, c]));
}

/**
 * A value of a column that may be secret: `<redacted>` bare (a text that
 * happens to say so is quoted), NULL as NULL.
 */
export function displayMaybeSecret(value: ColumnValue, column: ColumnSchema | undefined, secret: boolean): string {
  return secret && value !== null ? REDACTED : displayValue(value, column);
}

/** A row as one line of `name=value` pairs for a terminal; `secret` columns redacted. */
export function displayRow(row: Row, columns: Map<string, ColumnSchema>, secret: (column: string) => boolean = () => false): string {
  return Object.entries(row).map(([c, v]) => `${c}=${displayMaybeSecret(v, columns.get(c), secret(c))}`).join("  ");
}
