import type { DataSource, QueryRunner } from "typeorm";
import { readDatabaseIdentity } from "../capture/identityTable";
import { quoteIdent as q } from "../db/sql";
import type { DatabaseSchema, Engine } from "../db/types";
import { createReader } from "../reader";
import { takeSnapshot } from "../snapshot/take";
import { readStoreIdentity } from "../storeIdentity";

/**
 * What an in-place restore replaces, kept as a snapshot of kind "safety" in
 * the store: a consistent read, which needs nothing installed in the database.
 * It is taken once the load holds the write lock of the tables it replaces
 * (lockForReplace), so that no write of the app can fall between the safety
 * snapshot and the load, and a database the app keeps locked fails the
 * restore before any snapshot is written.
 */
export async function takeSafetySnapshot(ds: DataSource, schema: DatabaseSchema, store: string): Promise<string> {
  const database = await readDatabaseIdentity(ds, schema.engine);
  const identity = { databaseId: database?.databaseId ?? null, storeId: (await readStoreIdentity(store))?.storeId ?? null };
  return (await takeSnapshot(createReader(ds), schema, store, { kind: "safety", identity })).path;
}

/**
 * Inside the load's transaction, takes the write lock of `tables` and changes
 * nothing: SQLite's database write lock (a write statement that matches no
 * row), PostgreSQL's EXCLUSIVE table locks, which still let the safety
 * snapshot's own connection read.
 */
export async function lockForReplace(runner: QueryRunner, engine: Engine, tables: string[]): Promise<void> {
  if (tables.length === 0) return;
  if (engine === "sqlite") await runner.query(`DELETE FROM ${q(tables[0])} WHERE 0`);
  else await runner.query(`LOCK TABLE ${tables.map(q).join(", ")} IN EXCLUSIVE MODE`);
}
