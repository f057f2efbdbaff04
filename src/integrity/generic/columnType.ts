/**
 * Values outside their column's declared type. PostgreSQL refuses them; a
 * SQLite column takes any value its affinity cannot convert (text in an
 * INTEGER column, a date that is not one), and so can a crafted or foreign
 * snapshot. Checked by the column's kind (db/columnKind.ts): integers,
 * numbers, booleans, dates and timestamps, JSON, and the length of
 * varchar(n).
 */
import type { ColumnValue } from "../../db/types";
import { rowRule } from "../rowRule";
import type { RuleColumn } from "../ruleSchema";
import { describeRowKey } from "./describe";
import { jsonText } from "../../db/jsonText";
import { shownValue } from "../../secrets";

export const COLUMN_TYPE_RULE = "column-type";

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})([ T](\d{2}):(\d{2})(:(\d{2})(\.\d+)?)?)?\s*(Z|[+-]\d{2}(:?\d{2})?)?$/i;

function validDate(y: string, m: string, d: string): boolean {
  const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  return date.getUTCFullYear() === Number(y) && date.getUTCMonth() === Number(m) - 1 && date.getUTCDate() === Number(d);
}

/** Why `value` is not of the column's type, or null. */
export function typeProblem(column: RuleColumn, value: ColumnValue): string | null {
  if (value === null) return null;
  const declared = column.type.toLowerCase();
  switch (column.kind) {
    case "int":
    case "int8":
      if (typeof value === "bigint" || (typeof value === "number" && Number.isInteger(value))) return null;
      if (typeof value === "string" && /^[+-]?\d+$/.test(value)) return null; // PostgreSQL int8 is text
      if (typeof value === "boolean") return null;
      return "not an integer";
    case "float":
    case "decimal":
      if (typeof value === "number" || typeof value === "bigint") return null;
      if (typeof value === "string" && (DECIMAL.test(value) || /^(NaN|-?Infinity)$/.test(value))) return null;
      return "not a number";
    case "bool":
      if (typeof value === "boolean" || value === 0 || value === 1) return null;
      return "not a boolean";
    case "timestamp":
    case "timestamptz": {
      if (typeof value !== "string") return "not a date and time";
      const m = TIMESTAMP.exec(value.trim());
      if (!m || !validDate(m[1], m[2], m[3]) || Number(m[5] ?? 0) > 23 || Number(m[6] ?? 0) > 59 || Number(m[8] ?? 0) > 60) {
        return /^-?infinity$/i.test(value) ? null : "not a date and time";
      }
      return null;
    }
    case "json":
      if (typeof value !== "string") return "not JSON text";
      try { JSON.parse(value); return null; } catch { return "not JSON"; }
    case "text": {
      if (declared === "date") {
        if (typeof value !== "string") return "not a date";
        const m = DATE.exec(value);
        return m && validDate(m[1], m[2], m[3]) ? null : "not a date (YYYY-MM-DD)";
      }
      if (column.maxLength !== null && typeof value === "string" && [...value].length > column.maxLength) {
        return `${[...value].length} characters, more than ${column.type} holds`;
      }
      return null;
    }
    default:
      return null;
  }
}

export const columnTypeRule = rowRule({
  name: COLUMN_TYPE_RULE,
  severity: "error",
  description: "values fit their column's declared type (integers, numbers, booleans, dates, JSON, varchar length)",
  checkerFor(table) {
    const columns = table.columns.filter((c) => c.kind !== "binary");
    return (row) => {
      const wrong: string[] = [];
      for (const c of columns) {
        const problem = typeProblem(c, row[c.name] ?? null);
        if (problem !== null) wrong.push(`${c.name} (${c.type}) holds ${shown(shownValue(c.secret, row[c.name] ?? null))}: ${problem}`);
      }
      return wrong.length === 0 ? null : `"${table.name}" ${describeRowKey(row, table)}: ${wrong.join("; ")}`;
    };
  },
});

function shown(value: ColumnValue): string {
  const text = jsonText(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}
