/**
 * The target's tables before a restore writes: in place, the live database
 * must have the snapshot's tables and give its consent; a new database gets
 * the snapshot's tables, built from its checked description.
 */
import type { DataSource, QueryRunner } from "typeorm";
import { readDatabaseIdentity } from "../capture/identityTable";
import { existingTables, readSchema } from "../db/catalog";
import { quoteIdent as q } from "../db/sql";
import type { DatabaseSchema, Engine, TableSchema } from "../db/types";
import { BackupError } from "../errors";
import { createTableStatements, schemaDifferences } from "../schema";
import type { SnapshotHeader } from "../snapshot";
import { readStoreIdentity } from "../storeIdentity";
import type { Finding } from "./events";
import { requireEmpty, type Target } from "./target";

/**
 * The live database must have the snapshot's tables, be this store's
 * database (or one without an identity), and hold no row in any user table
 * (the snapshot's or not) unless --clear-existing consents.
 */
export async function inspectInPlace(target: Target, header: SnapshotHeader, options: { clearExisting?: boolean }, store: string): Promise<{ live: DatabaseSchema; occupied: string[] }> {
  const names = header.schema.tables.map((t) => t.name);
  const live = await readSchemaOf(target.dataSource, target.engine, names);
  requireSameSchema(header.schema, live, target.display);
  // The safety snapshot goes into the store: it must be the live database's own (or one without an identity).
  const database = await readDatabaseIdentity(target.dataSource, target.engine);
  const storeDb = (await readStoreIdentity(store))?.databaseId;
  if (database && storeDb && database.databaseId !== storeDb) {
    throw new BackupError("STORE_MISMATCH",
      `${target.display} is database ${database.databaseId.slice(0, 8)}, but store ${store} holds database ${storeDb.slice(0, 8)}: ` +
      "an in-place restore would put the live database's safety snapshot into another database's store",
      "restore into a new database (--target), or restore from this database's own store");
  }
  if (!options.clearExisting) {
    await requireEmpty(target.dataSource, target.display,
      "add --clear-existing to replace the snapshot's tables (a safety snapshot is taken first), or restore into a new database with --target");
  }
  return { live, occupied: await tablesWithRows(target.dataSource, names) };
}

async function readSchemaOf(ds: DataSource, engine: Engine, tables: string[]): Promise<DatabaseSchema> {
  const runner = ds.createQueryRunner();
  try {
    return await readSchema(runner, engine, tables);
  } finally {
    await runner.release();
  }
}

function requireSameSchema(backup: DatabaseSchema, target: DatabaseSchema, display: string): void {
  const differences = schemaDifferences(backup, target, { backup: "the snapshot", target: display });
  if (differences.length > 0) {
    throw new BackupError("SCHEMA_MISMATCH", `the schema of ${display} differs from the snapshot's: ${differences.join("; ")}`,
      "restore into a new database (--target), or migrate the database to the snapshot's schema first");
  }
}

async function tablesWithRows(ds: DataSource, tables: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const table of tables) {
    const rows: unknown[] = await ds.query(`SELECT 1 FROM ${q(table)} LIMIT 1`);
    if (rows.length > 0) out.push(table);
  }
  return out;
}

/**
 * Creates the snapshot's tables when the target has none of them, inside the
 * load transaction, from statements built out of the header's checked
 * description (src/schema/createTables.ts; never SQL text from the file);
 * then checks the target's tables are the snapshot's. What the source had
 * and the statements do not recreate is reported as a warning.
 */
export async function prepareTables(runner: QueryRunner, engine: Engine, header: SnapshotHeader, names: string[],
  findings: Finding[]): Promise<Map<string, TableSchema>> {
  const present = await existingTables(runner, engine, names);
  if (present.length === 0) {
    if (!header.ddl) {
      findings.push({ rule: "schema", severity: "warning", message: "the snapshot carries no DDL: tables were created with their columns and primary keys only (no defaults, indexes or foreign keys)" });
    }
    const { statements, notRecreated } = createTableStatements(header.schema, header.ddl, engine);
    for (const what of notRecreated) findings.push({ rule: "schema", severity: "warning", message: `not recreated: ${what}` });
    for (const sql of statements) await runner.query(sql);
  }
  const schema = await readSchema(runner, engine, names);
  requireSameSchema(header.schema, schema, "the target");
  return new Map(schema.tables.map((t) => [t.name, t]));
}
