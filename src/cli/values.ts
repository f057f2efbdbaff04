import { ColumnSchema, ColumnValue, Row } from "../journal/types";

type JsonValue = null | boolean | number | string;

function isDateType(type: string): boolean {
  return /^(date|datetime|timestamp|timestamptz)\b|^timestamp (with|without) time zone$/.test(type);
}

/**
 * Dates as ISO 8601. TypeORM writes SQLite datetimes as UTC text, so they get
 * a "Z"; PostgreSQL `timestamp without time zone` has no zone to give.
 */
function isoDate(text: string, type: string, engine: "sqlite" | "postgres"): string {
  let iso = text.replace(" ", "T");
  if (/[+-]\d\d$/.test(iso)) iso += ":00";
  if (engine === "sqlite" && iso.includes("T") && !/(Z|[+-]\d\d:\d\d)$/.test(iso) && type !== "date") iso += "Z";
  return iso;
}

/** One column value as JSON: binary as base64, dates as ISO 8601, big integers as strings. */
export function jsonValue(value: ColumnValue, column: ColumnSchema | undefined, engine: "sqlite" | "postgres"): JsonValue {
  if (value === null) return null;
  if (Buffer.isBuffer(value)) return value.toString("base64");
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  if (typeof value === "string" && column && isDateType(column.type)) return isoDate(value, column.type, engine);
  return value;
}

export function jsonRow(row: Row | null, columns: Map<string, ColumnSchema>, engine: "sqlite" | "postgres"): Record<string, JsonValue> | null {
  if (!row) return null;
  const out: Record<string, JsonValue> = {};
  for (const [name, value] of Object.entries(row)) out[name] = jsonValue(value, columns.get(name), engine);
  return out;
}

/** Short text for a terminal: long strings and blobs abbreviated. */
export function displayValue(value: JsonValue, wasBinary: boolean): string {
  if (value === null) return "NULL";
  if (wasBinary) return `<${Buffer.from(String(value), "base64").length} bytes>`;
  const text = typeof value === "string" ? JSON.stringify(value) : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}
