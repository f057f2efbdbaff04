/**
 * What it takes to create a snapshot's tables in a new database, without the
 * app's entity classes: the source engine's own statements (exact, for a
 * restore into the same engine) and an engine-neutral description of what
 * those statements say beyond the DatabaseSchema (defaults, keys, indexes,
 * foreign keys), from which the other engine's statements are generated.
 * Stored in the snapshot header as `ddl`.
 */
import type { DatabaseSchema } from "../journal/types";

export type Engine = DatabaseSchema["engine"];

/** A column default both engines can spell; anything else (expressions, functions) is left out on the other engine. */
export type PortableDefault =
  | { kind: "number"; value: string }
  | { kind: "text"; value: string }
  | { kind: "bool"; value: boolean }
  /** The current time: now() on PostgreSQL, datetime('now') on SQLite. */
  | { kind: "now" };

export interface PortableColumn {
  name: string;
  default: PortableDefault | null;
  /** Filled by the database (SERIAL / identity / AUTOINCREMENT). */
  autoIncrement: boolean;
}

export interface PortableForeignKey {
  columns: string[];
  table: string;
  refColumns: string[];
  /** "NO ACTION", "CASCADE", "SET NULL", "SET DEFAULT" or "RESTRICT". */
  onDelete: string;
  onUpdate: string;
}

export interface PortableIndex {
  name: string;
  columns: string[];
  unique: boolean;
}

export interface PortableTable {
  name: string;
  columns: PortableColumn[];
  /** The declared primary key; empty when the table has none (the DatabaseSchema then keys it by every column). */
  primaryKey: string[];
  /** UNIQUE constraints (not the primary key). */
  uniques: string[][];
  /** Indexes over plain columns that back no constraint; expression and partial indexes are left out. */
  indexes: PortableIndex[];
  foreignKeys: PortableForeignKey[];
}

export interface SchemaDdl {
  engine: Engine;
  /** Run in order on an empty database of `engine`, they create the tables. */
  statements: string[];
  tables: PortableTable[];
}

/** A header field read from a file is only trusted after this check. */
export function isSchemaDdl(value: unknown): value is SchemaDdl {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (v.engine === "sqlite" || v.engine === "postgres") &&
    Array.isArray(v.statements) && v.statements.every((s) => typeof s === "string") &&
    Array.isArray(v.tables) && v.tables.every((t) => typeof t === "object" && t !== null && typeof (t as { name?: unknown }).name === "string" &&
      Array.isArray((t as PortableTable).columns) && Array.isArray((t as PortableTable).primaryKey) && Array.isArray((t as PortableTable).uniques) &&
      Array.isArray((t as PortableTable).indexes) && Array.isArray((t as PortableTable).foreignKeys));
}

/** A DataSource or a QueryRunner: catalog reads run on whichever the caller holds (inside its transaction, if any). */
export interface Queryable {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

export async function rowsOf<T>(q: Queryable, sql: string, parameters?: unknown[]): Promise<T[]> {
  return (await q.query(sql, parameters)) as T[];
}
