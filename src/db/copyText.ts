/**
 * A column value as a field of PostgreSQL's COPY text format
 * (postgresql.org/docs/current/sql-copy.html, "Text Format"): \N for NULL,
 * the value's text form otherwise with backslash, newline, carriage return
 * and tab escaped, since those end a field or a row. bytea's text form
 * (\x…) begins with a backslash, which is escaped like any other.
 * Written by export-sql --copy and read by a restore's COPY into
 * PostgreSQL (restore/postgresCopyWriter.ts), hence its place in db/.
 */
import { BackupError } from "../errors";
import type { ColumnValue } from "./types";

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
