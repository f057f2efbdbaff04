import type { ColumnSchema, ColumnValue } from "./types";

/**
 * Canonical PostgreSQL values (as captured, read by key, or read from COPY text): what JavaScript holds exactly becomes a number,
 * a boolean or a Buffer; everything else stays in the server's text form,
 * which it reads back unchanged.
 */
export function decodePgValue(text: string | null, column: ColumnSchema): ColumnValue {
  if (text === null) return null;
  switch (column.type) {
    case "smallint":
    case "integer":
    case "real":
    case "double precision":
    case "oid":
      return Number(text);
    case "boolean":
      return text === "t" || text === "true";
    case "bytea":
      return Buffer.from(text.slice(2), "hex");
    default:
      return text;
  }
}

