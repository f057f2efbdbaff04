/**
 * A column value as SQL text that a dialect's own shell (sqlite3, psql)
 * reads back as exactly that value. Values are canonical for the dialect
 * (src/db/types.ts): a cross-dialect export converts them first
 * (restore/convert.ts). Everything goes through db/sql.ts quoting; the rest
 * is what each engine cannot say in a plain '…' string:
 *
 * - SQLite: binary as X'…'; text holding NUL as CAST(X'…' AS TEXT) (the
 *   shell reads statements as C strings); floats in a form that stays REAL
 *   (an integer-valued double beyond 2^53 written as digits would become an
 *   INTEGER in a NUMERIC column), infinities as ±9e999, which SQLite reads
 *   as ±Inf.
 * - PostgreSQL: binary as '\x…'::bytea (the script sets
 *   standard_conforming_strings on); booleans as TRUE/FALSE; NaN, ±Infinity
 *   and -0 quoted, since they have no numeric literal; numeric, int8,
 *   timestamps (with their zone), JSON, uuid, enums and arrays in their text
 *   form, which the column's type parses exactly. PostgreSQL text cannot
 *   hold NUL at all: such a value is refused, naming where it is.
 */
import { quoteLiteral } from "../db/sql";
import type { ColumnValue, Engine } from "../db/types";
import { nulInPostgres, type ValuePlace } from "../db/copyText";

export type Dialect = Engine;

export type { ValuePlace };

const SAFE = 2 ** 53;

function sqliteNumber(n: number): string {
  if (Number.isNaN(n)) return "NULL"; // SQLite stores NaN as NULL itself
  if (n === Infinity) return "9e999";
  if (n === -Infinity) return "-9e999";
  if (Object.is(n, -0)) return "-0.0";
  if (Number.isInteger(n) && Math.abs(n) >= SAFE) return n.toExponential();
  return String(n);
}

function postgresNumber(n: number): string {
  if (Number.isNaN(n)) return "'NaN'";
  if (n === Infinity) return "'Infinity'";
  if (n === -Infinity) return "'-Infinity'";
  if (Object.is(n, -0)) return "'-0'";
  return String(n);
}

export function sqlLiteral(value: ColumnValue, dialect: Dialect, place: ValuePlace): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "number") return dialect === "sqlite" ? sqliteNumber(value) : postgresNumber(value);
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "boolean") return dialect === "sqlite" ? (value ? "1" : "0") : value ? "TRUE" : "FALSE";
  if (Buffer.isBuffer(value)) return dialect === "sqlite" ? `X'${value.toString("hex")}'` : `'\\x${value.toString("hex")}'::bytea`;
  if (value.includes("\u0000")) {
    if (dialect === "sqlite") return `CAST(X'${Buffer.from(value, "utf8").toString("hex")}' AS TEXT)`;
    throw nulInPostgres(place);
  }
  return quoteLiteral(value, dialect);
}
