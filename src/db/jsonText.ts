/**
 * How commands print row values: exactly as the database holds them (I3
 * applies to what a user reads too). One JSON encoding of a column value,
 * used by every command that prints rows (`log --json`, `verify --json`,
 * restore's messages), and one terminal form beside it:
 *
 * - NULL, booleans: JSON null, true, false;
 * - finite numbers: JSON numbers, printed so they parse back to the same
 *   double (JavaScript's shortest round-trip form), -0 as `-0.0`;
 *   non-finite ones as the strings "Infinity", "-Infinity", "NaN";
 * - integers beyond 2^53: strings of digits (PostgreSQL int8 and numeric are
 *   text already, and stay so);
 * - binary: base64 strings;
 * - every other text (dates, times, timestamps, decimals, JSON, uuid): the
 *   string the database holds, never reformatted.
 * A string's meaning (text, a big integer, base64 bytes) is the column's
 * type, which `log` takes from the journal's schema.
 */
import type { ColumnValue } from "./types";

/** A number's JSON text, so that JSON.parse gives the same double back (-0 included). */
function numberJson(n: number): string {
  if (!Number.isFinite(n)) return JSON.stringify(String(n));
  return Object.is(n, -0) ? "-0.0" : JSON.stringify(n);
}

/**
 * JSON text of any value holding column values: plain objects and arrays as
 * JSON.stringify writes them, with column values in the encoding above.
 * (JSON.stringify alone cannot: it drops the sign of -0, turns Infinity and
 * NaN into null, refuses bigint and spells a Buffer as an array of bytes.)
 */
export function jsonText(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "number") return numberJson(value);
  if (typeof value === "bigint") return JSON.stringify(value.toString());
  if (Buffer.isBuffer(value)) return JSON.stringify(value.toString("base64"));
  if (typeof value === "string" || typeof value === "boolean") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined || typeof v === "function" ? "null" : jsonText(v))).join(",")}]`;
  if (typeof value === "object") {
    const withToJson = value as { toJSON?: () => unknown };
    if (typeof withToJson.toJSON === "function") return jsonText(withToJson.toJSON());
    const fields = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined && typeof v !== "function")
      .map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v)}`);
    return `{${fields.join(",")}}`;
  }
  return "null";
}

/** Whether two values are one as the database holds them: -0 is not 0, NaN is NaN. */
export function sameValue(a: ColumnValue | undefined, b: ColumnValue | undefined): boolean {
  const x = a ?? null;
  const y = b ?? null;
  return typeof x === typeof y && jsonText(x) === jsonText(y);
}
