import type { Engine } from "./types";

/**
 * What a column's declared type means, whatever the engine spells: the kind
 * decides how a value converts between engines (restore/convert.ts) and how
 * a column is declared when a table is created from a description
 * (schema/createTables.ts).
 */
export type ColumnKind = "bool" | "int" | "int8" | "float" | "decimal" | "timestamp" | "timestamptz" | "json" | "binary" | "text";

const PG_KINDS: Record<string, ColumnKind> = {
  boolean: "bool", smallint: "int", integer: "int", oid: "int", bigint: "int8",
  real: "float", "double precision": "float", numeric: "decimal", bytea: "binary",
  json: "json", jsonb: "json",
  "timestamp without time zone": "timestamp", "timestamp with time zone": "timestamptz",
};

export function columnKind(engine: Engine, type: string): ColumnKind {
  const t = type.toLowerCase();
  if (engine === "postgres") return PG_KINDS[t.replace(/\(.*?\)/, "").replace(/\s+/g, " ").trim()] ?? "text";
  // SQLite: TypeORM's declared names first (they carry meaning the affinity loses), then the affinity rules of sqlite.org/datatype3.html.
  if (/^bool/.test(t)) return "bool";
  if (/^(datetime|timestamp)/.test(t)) return "timestamp";
  if (/^(date|time|uuid)\b/.test(t)) return "text";
  if (/json/.test(t)) return "json";
  if (t.includes("int")) return "int8";
  if (/char|clob|text/.test(t)) return "text";
  if (t === "" || t.includes("blob")) return "binary";
  if (/real|floa|doub/.test(t)) return "float";
  return "decimal";
}
