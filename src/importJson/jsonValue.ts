/**
 * A value of an old JSON backup as the canonical column value of the target
 * engine (src/db/types.ts), by the column's kind. The old scripts wrote what
 * Prisma returns through JSON.stringify: DateTime as ISO 8601 UTC text,
 * Decimal and BigInt as text, Bytes as { type: "Buffer", data: [...] },
 * booleans as true/false, a Json column as the value itself. A value that
 * does not fit its column is an error naming both.
 */
import { columnKind } from "../db/columnKind";
import type { ColumnSchema, ColumnValue, Engine } from "../db/types";

export class Misfit extends Error {}

const ISO = /^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d(?:\.\d+)?)(Z|[+-]\d\d:?\d\d)?$/;
const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** "2025-09-12T04:56:55.656Z" → "2025-09-12 04:56:55.656" (UTC): TypeORM's datetime text, PostgreSQL's timestamp input. */
function utcText(value: unknown): string {
  if (typeof value !== "string") throw new Misfit("not a date-time text");
  const m = ISO.exec(value);
  if (!m) throw new Misfit("not an ISO 8601 date-time");
  if (m[3] && m[3] !== "Z") {
    const at = new Date(value);
    if (Number.isNaN(at.getTime())) throw new Misfit("not a date-time");
    return at.toISOString().slice(0, 23).replace("T", " ");
  }
  return `${m[1]} ${m[2]}`;
}

function integerOf(value: unknown, engine: Engine, wide: boolean): ColumnValue {
  const text = typeof value === "number" ? (Number.isInteger(value) ? String(value) : "") : typeof value === "string" ? value.trim() : "";
  if (!INTEGER.test(text)) throw new Misfit("not an integer");
  const n = BigInt(text);
  if (engine === "postgres" && wide) return n.toString();
  return Number.isSafeInteger(Number(n)) ? Number(n) : n;
}

function numberOf(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "string" && (NUMBER.test(value.trim()) || /^[+-]?Infinity$|^NaN$/.test(value))) return Number(value);
  throw new Misfit("not a number");
}

function textOf(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

export function canonicalValue(value: unknown, column: ColumnSchema, engine: Engine): ColumnValue {
  if (value === null || value === undefined) return null;
  const kind = columnKind(engine, column.type);
  const declared = column.type.toLowerCase();
  switch (kind) {
    case "bool":
      if (typeof value === "boolean") return engine === "sqlite" ? (value ? 1 : 0) : value;
      if (value === 0 || value === 1) return engine === "sqlite" ? value : value === 1;
      throw new Misfit("not a boolean");
    case "int": return integerOf(value, engine, false);
    case "int8": return integerOf(value, engine, true);
    case "float": return numberOf(value);
    case "decimal": {
      if (engine === "postgres") {
        const text = typeof value === "number" ? String(value) : typeof value === "string" ? value.trim() : "";
        if (!NUMBER.test(text)) throw new Misfit("not a decimal number");
        return text;
      }
      // SQLite keeps a decimal column's numbers as INTEGER or REAL, as it would have stored the text.
      return typeof value === "string" && INTEGER.test(value.trim()) ? integerOf(value, engine, true) : numberOf(value);
    }
    case "timestamp": return utcText(value);
    case "timestamptz": return `${utcText(value)}+00`;
    case "json": return typeof value === "string" ? value : JSON.stringify(value);
    case "binary": {
      if (typeof value === "object" && (value as { type?: unknown }).type === "Buffer" && Array.isArray((value as { data?: unknown }).data)) {
        return Buffer.from((value as { data: number[] }).data);
      }
      if (typeof value === "string") return Buffer.from(value, "base64");
      throw new Misfit("not bytes");
    }
    case "text":
      // A `date` column: Prisma wrote the day as midnight UTC.
      if (/^date\b/.test(declared) && typeof value === "string" && ISO.test(value)) return value.slice(0, 10);
      if (engine === "postgres" && typeof value === "string" && value.includes("\u0000")) throw new Misfit("text with a NUL character, which PostgreSQL cannot store");
      return textOf(value);
  }
}
