/**
 * PostgreSQL's COPY text format (postgresql.org/docs/current/sql-copy.html,
 * "Text Format"), both ways. A row is one line, fields separated by tabs;
 * \N is NULL, and any other field is the value's text form with backslash,
 * newline, carriage return and tab escaped, since those end a field or a row
 * (the server also escapes backspace, form feed and vertical tab). bytea's
 * text form (\x…) begins with a backslash, which is escaped like any other.
 * Written by export-sql --copy and a restore's COPY into PostgreSQL
 * (restore/postgresCopyWriter.ts); read from the blocks of a snapshot taken
 * with COPY … TO STDOUT (snapshot/FORMAT.md), hence its place in db/.
 */
import { decodePgValue } from "./pgValue";
import { BackupError } from "../errors";
import type { ColumnSchema, ColumnValue } from "./types";

/** Where a value comes from, for the one error a value can cause. */
export interface ValuePlace {
  table: string;
  column: string;
}

/** PostgreSQL text cannot hold NUL at all: such a value is refused, naming where it is. */
export function nulInPostgres(place: ValuePlace): BackupError {
  return new BackupError("BAD_INPUT", `table "${place.table}", column "${place.column}" holds text with a NUL character, which PostgreSQL text cannot store`,
    "export or restore into SQLite instead (export-sql --dialect sqlite), or change the value in the source");
}

const SPECIAL = /[\\\n\r\t]/g;
const ESCAPES: Record<string, string> = { "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function numberText(n: number): string {
  if (Object.is(n, -0)) return "-0";
  return String(n); // NaN, Infinity and -Infinity print as PostgreSQL spells them
}

export function copyField(value: ColumnValue, place: ValuePlace): string {
  if (value === null || value === undefined) return "\\N";
  if (typeof value === "number") return numberText(value);
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "boolean") return value ? "t" : "f";
  if (Buffer.isBuffer(value)) return `\\\\x${value.toString("hex")}`;
  if (value.includes("\u0000")) throw nulInPostgres(place);
  return value.replace(SPECIAL, (c) => ESCAPES[c]);
}

const UNESCAPES: Record<string, string> = { "\\": "\\", n: "\n", r: "\r", t: "\t", b: "\b", f: "\f", v: "\v" };

/**
 * The text a COPY field stands for (null for \N). The server writes only
 * the escapes above; \digits and \x mean bytes, which it never writes in
 * its output, so they are refused rather than guessed at.
 */
export function copyFieldText(field: string): string | null {
  if (field === "\\N") return null;
  if (!field.includes("\\")) return field;
  return field.replace(/\\([\s\S]?)/g, (_all, c: string) => {
    const text = UNESCAPES[c];
    if (text === undefined) throw new Error(`COPY text holds the escape "\\${c}", which COPY TO never writes inside a field`);
    return text;
  });
}

/** One line of COPY text (without its newline) as the row's values in the canonical form the keyset reader gives (pgValue.ts). */
export function parseCopyLine(line: string, columns: readonly ColumnSchema[]): ColumnValue[] {
  const fields = line.split("\t");
  if (fields.length !== columns.length) throw new Error(`a row of COPY text has ${fields.length} fields for ${columns.length} columns`);
  const values = new Array<ColumnValue>(fields.length);
  for (let i = 0; i < fields.length; i++) values[i] = decodePgValue(copyFieldText(fields[i]), columns[i]);
  return values;
}

/**
 * The rows of COPY text made of whole lines (a snapshot's COPY block), at
 * most `chunkRows` at a time, so a consumer keeps only that many alive.
 * Throws a plain Error on anything that is not such text.
 */
export function* parseCopyRows(text: Buffer, columns: readonly ColumnSchema[], chunkRows: number): Generator<ColumnValue[][]> {
  const lines = text.toString("utf8");
  let rows: ColumnValue[][] = [];
  for (let start = 0; start < lines.length;) {
    const end = lines.indexOf("\n", start);
    if (end < 0) throw new Error("COPY text ends inside a row");
    rows.push(parseCopyLine(lines.slice(start, end), columns));
    start = end + 1;
    if (rows.length >= chunkRows) {
      yield rows;
      rows = [];
    }
  }
  if (rows.length > 0) yield rows;
}

/** The rows (lines) in COPY text: a newline inside a value is escaped, so every newline byte ends a row. */
export function copyLineCount(text: Buffer, from = 0, to = text.length): number {
  let n = 0;
  for (let i = text.indexOf(10, from); i >= 0 && i < to; i = text.indexOf(10, i + 1)) n++;
  return n;
}
