/**
 * What it takes to create a snapshot's tables in a new database, without the
 * app's entity classes: a structured description of the tables (declared
 * types, keys, defaults, indexes, foreign keys, enums), captured from the
 * catalog and stored in the snapshot header as `ddl`. A restore builds every
 * statement from it (createTables.ts) after checkDdl.ts has validated it
 * against closed lists; no SQL text is ever read from a file. Files written
 * before this shape also carry `statements`: they are ignored.
 */
import type { Engine } from "../db/types";


/** PostgreSQL functions that make a new uuid: uuid_generate_v4() needs the uuid-ossp extension, gen_random_uuid() is built in from PostgreSQL 13. */
export const UUID_FUNCTIONS = ["uuid_generate_v4", "gen_random_uuid"] as const;
export type UuidFunction = (typeof UUID_FUNCTIONS)[number];

/** A column default as data: literals, or a function from a closed list. Any other expression is not recreated. */
export type PortableDefault =
  | { kind: "number"; value: string }
  | { kind: "text"; value: string }
  | { kind: "bool"; value: boolean }
  /** The current time: now() on PostgreSQL, datetime('now') on SQLite. */
  | { kind: "now" }
  /** A new random uuid (PostgreSQL only; TypeORM makes them itself on SQLite). */
  | { kind: "uuid"; fn: UuidFunction };

/**
 * How the database fills a column: SQLite's AUTOINCREMENT or its rowid (an
 * INTEGER PRIMARY KEY without the keyword), PostgreSQL's serial (a sequence
 * the column owns, `sequence`) or identity.
 */
export const GENERATIONS = ["autoincrement", "rowid", "serial", "identity always", "identity by default"] as const;
export type Generation = (typeof GENERATIONS)[number];

/** Collations a restore recreates; others are reported as not recreated. */
export const COLLATIONS: Record<Engine, readonly string[]> = { sqlite: ["binary", "nocase", "rtrim"], postgres: ["C", "POSIX"] };

export interface PortableColumn {
  name: string;
  /**
   * The declared type on the ddl's engine, in the closed grammar of
   * columnTypes.ts. Absent in files from before it was recorded (the header
   * schema's type is used then) and when the type is outside the grammar
   * (the table is then `unsupported`).
   */
  type?: string;
  /** NOT NULL as declared; absent in older files (the header schema's nullable is used). */
  notNull?: boolean;
  default: PortableDefault | null;
  /** Filled by the database (SERIAL / identity / AUTOINCREMENT / rowid). */
  autoIncrement: boolean;
  /** How, on the ddl's engine; absent in older files (AUTOINCREMENT on SQLite, SERIAL on PostgreSQL). */
  generation?: Generation;
  /** The sequence a PostgreSQL serial column owns. */
  sequence?: string;
  /** One of these values only: TypeORM's SQLite simple-enum, CHECK ("col" IN ('a', 'b')). */
  values?: string[];
  /** One of COLLATIONS[engine]. */
  collation?: string;
}

/** "NO ACTION" … "SET DEFAULT": the only words a restore writes after ON DELETE / ON UPDATE. */
export const FK_ACTIONS = ["NO ACTION", "RESTRICT", "CASCADE", "SET NULL", "SET DEFAULT"] as const;
export type ForeignKeyAction = (typeof FK_ACTIONS)[number];

export interface PortableForeignKey {
  /** The constraint's name (PostgreSQL; SQLite's catalog keeps none). */
  name?: string;
  columns: string[];
  table: string;
  refColumns: string[];
  onDelete: ForeignKeyAction;
  onUpdate: ForeignKeyAction;
  /** DEFERRABLE INITIALLY DEFERRED / IMMEDIATE; absent: not deferrable. */
  deferrable?: "deferred" | "immediate";
}

export interface PortableUnique {
  /** The constraint's name (PostgreSQL). */
  name?: string;
  columns: string[];
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
  /** The primary key constraint's name (PostgreSQL). */
  primaryKeyName?: string;
  /** UNIQUE constraints (not the primary key). */
  uniques: PortableUnique[];
  /** Indexes over plain columns, ascending, that back no constraint. */
  indexes: PortableIndex[];
  foreignKeys: PortableForeignKey[];
  /** SQLite: WITHOUT ROWID. */
  withoutRowid?: boolean;
  /**
   * What the source has and a restore does not recreate (CHECK expressions,
   * generated columns, expression or partial indexes, other collations or
   * defaults), as text for the user: reported as warnings, never run.
   */
  notRecreated?: string[];
  /** Why a restore cannot create this table on the ddl's engine (a column type outside the grammar); text for the user. */
  unsupported?: string;
}

/** A PostgreSQL enum type: its labels in order. */
export interface PortableEnum {
  name: string;
  labels: string[];
}

export interface SchemaDdl {
  engine: Engine;
  tables: PortableTable[];
  /** PostgreSQL enum types the columns use. */
  enums?: PortableEnum[];
}
