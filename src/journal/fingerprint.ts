import { createHash } from "node:crypto";
import type { DatabaseSchema } from "../db/types";

/**
 * sha256 (hex) of a canonical JSON of the schema. Tables and columns are sorted
 * by name because drivers list them in no guaranteed order and replay matches
 * columns by name; the primary key keeps its order, which is part of its meaning.
 */
export function schemaFingerprint(schema: DatabaseSchema): string {
  const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const normal = {
    ...schema,
    tables: [...schema.tables].sort(byName).map((t) => ({ ...t, columns: [...t.columns].sort(byName) })),
  };
  return createHash("sha256").update(canonicalJson(normal)).digest("hex");
}

/** JSON with object keys sorted, so equal values give equal text whatever their key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value);
}
