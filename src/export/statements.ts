/**
 * The parts of an export script that are not rows: its opening and closing
 * (one transaction; foreign keys off on SQLite, which cannot defer them),
 * the DDL split around the data (tables before; on PostgreSQL indexes and
 * foreign keys after, so the data loads in any order and faster, as
 * pg_dump does), and the counters set to the rows loaded.
 */
import { quoteIdent as q, quoteLiteral } from "../db/sql";
import type { DatabaseSchema } from "../db/types";
import { createTableStatements } from "../schema/createTables";
import type { SchemaDdl } from "../schema/ddl";
import type { Dialect } from "./literal";

export interface Ddl {
  before: string[];
  after: string[];
  notRecreated: string[];
}

const AFTER_DATA = /^(ALTER TABLE|ALTER SEQUENCE|CREATE (UNIQUE )?INDEX)\b/;

export function ddlAround(schema: DatabaseSchema, ddl: SchemaDdl | undefined, dialect: Dialect): Ddl {
  const { statements, notRecreated } = createTableStatements(schema, ddl, dialect);
  return {
    before: statements.filter((s) => !AFTER_DATA.test(s)),
    after: statements.filter((s) => AFTER_DATA.test(s)),
    notRecreated,
  };
}

export function opening(dialect: Dialect, replicaRole: boolean): string[] {
  if (dialect === "sqlite") return ["PRAGMA foreign_keys = OFF;", "BEGIN TRANSACTION;"];
  return [
    "SET client_encoding = 'UTF8';",
    "SET standard_conforming_strings = on;",
    "BEGIN;",
    // The data comes in the snapshot's table order, which the target's foreign keys may not accept: the
    // replica role skips their triggers for this transaction only (it needs a superuser, as pg_restore --disable-triggers).
    ...(replicaRole ? ["SET LOCAL session_replication_role = replica;"] : []),
  ];
}

export function closing(): string[] {
  return ["COMMIT;"];
}

/**
 * SQLite: AUTOINCREMENT tables keep their counter in sqlite_sequence, set to
 * the largest rowid loaded (a plain INTEGER PRIMARY KEY needs nothing).
 */
export function sqliteCounters(tables: readonly string[]): string[] {
  return tables.flatMap((name) => [
    `DELETE FROM sqlite_sequence WHERE name = ${quoteLiteral(name, "sqlite")};`,
    `INSERT INTO sqlite_sequence (name, seq) SELECT ${quoteLiteral(name, "sqlite")}, m FROM (SELECT max(rowid) AS m FROM ${q(name)}) WHERE m IS NOT NULL;`,
  ]);
}

/**
 * PostgreSQL: every serial or identity column of the exported tables, found
 * in the target's catalog (so it works with or without the DDL), set to the
 * largest value loaded; an empty table's starts over (as restore/sequences.ts).
 */
export function postgresCounters(tables: readonly string[]): string[] {
  if (tables.length === 0) return [];
  const names = tables.map((t) => quoteLiteral(t, "postgres")).join(", ");
  return [[
    "DO $stocktake$",
    "DECLARE r record;",
    "BEGIN",
    "  FOR r IN SELECT c.relname AS tbl, a.attname AS col, s.seq",
    "    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace",
    "    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped",
    "    CROSS JOIN LATERAL pg_get_serial_sequence(quote_ident(n.nspname) || '.' || quote_ident(c.relname), a.attname) AS s(seq)",
    `    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND s.seq IS NOT NULL AND c.relname IN (${names})`,
    "  LOOP",
    "    EXECUTE format('SELECT setval(%L::regclass, coalesce(max(%I), (SELECT seqstart FROM pg_sequence WHERE seqrelid = %L::regclass)), max(%I) IS NOT NULL) FROM %I',",
    "      r.seq, r.col, r.seq, r.col, r.tbl);",
    "  END LOOP;",
    "END $stocktake$;",
  ].join("\n")];
}

/** Tables whose key the target fills by AUTOINCREMENT, as createTables.ts declares them on SQLite. */
export function autoIncrementTables(schema: DatabaseSchema, ddl: SchemaDdl | undefined): string[] {
  if (!ddl) return [];
  const same = ddl.engine === "sqlite";
  return ddl.tables.filter((t) => {
    if (t.primaryKey.length !== 1) return false;
    const key = t.columns.find((c) => c.name === t.primaryKey[0]);
    if (!key?.autoIncrement) return false;
    return !same || key.generation === undefined || key.generation === "autoincrement";
  }).map((t) => t.name).filter((n) => schema.tables.some((t) => t.name === n));
}
