/**
 * Shared helpers of the restore tests (no tests of its own; the name only
 * fits the test folder's naming): snapshots that carry their DDL, canonical
 * dumps of any database, and "the app can insert again" after a restore.
 */
import { expect } from "chai";
import { randomBytes, randomUUID } from "crypto";
import { promises as fs } from "fs";
import path from "path";
import { Client } from "pg";
import { DataSource, DataSourceOptions } from "typeorm";
import { attachChangelog, Changelog } from "../../src";
import { createDialect } from "../../src/capture/createDialect";
import { CaptureDialect } from "../../src/capture/dialect";
import { parsePgRow } from "../../src/capture/pgRecord";
import { parseSqliteRowJson, sqliteRowJsonSql } from "../../src/capture/sqliteJson";
import { DatabaseSchema, Row } from "../../src/db/types";
import { captureDdl, SchemaDdl } from "../../src/schema";
import { addToManifest, SnapshotWriter, type SnapshotKind } from "../../src/snapshot";
import { quoteIdent as q } from "../../src/db/sql";
import { engineOfUrl } from "../../src/db/connect";
import { openStocktakeDataSource } from "../../src/stocktake/datasource";
import { createScratchDatabase, postgresAdminUrl, StocktakeEngine } from "./scratchDatabase";
import { seedStocktake } from "../../src/stocktake/workload";
import { readStoreIdentity } from "../../src/storeIdentity";
import { tempDir } from "./databases";
import { createReader } from "../../src/reader";
import { readDatabaseIdentity } from "../../src/capture/identityTable";

export type Dump = Record<string, Row[]>;

export interface TestSnapshot {
  path: string;
  file: string;
  seq: number;
  createdAt: number;
}

/**
 * What takeSnapshot does, plus the DDL in the header (takeSnapshot gets it
 * when the integration wires captureDdl in). `ddl` is captured once by the
 * caller: the schema does not change during a test.
 */
export async function snapshotWithDdl(ds: DataSource, schema: DatabaseSchema, ddl: SchemaDdl | undefined, store: string, name: string, kind: SnapshotKind = "manual"): Promise<TestSnapshot> {
  // Of the database and store it belongs to, as takeSnapshot writes it: a restore replays the journal only over its own database's snapshots.
  const databaseId = (await readDatabaseIdentity(ds, schema.engine))?.databaseId ?? null;
  const storeId = (await readStoreIdentity(store))?.storeId ?? null;
  const taken = await createReader(ds).readConsistent(async (reader) => {
    const createdAt = Math.max(Date.now(), reader.at);
    const file = `${name}.snap`;
    const writer = await SnapshotWriter.create(path.join(store, file), { kind, name, createdAt, seq: reader.seq, schema, ddl, databaseId, storeId });
    try {
      for (const table of schema.tables) {
        await writer.beginTable(table.name);
        for await (const batch of reader.batches(table.name, 500)) await writer.writeRows(batch);
        await writer.endTable();
      }
      const result = await writer.finish();
      return { path: result.path, file, seq: reader.seq, createdAt };
    } catch (error) {
      await writer.abort();
      throw error;
    }
  }, schema);
  await addToManifest(store, taken.file);
  return taken;
}

export { captureDdl };

/** A database opened by URL or path, without entities. */
export async function openUrl(url: string): Promise<DataSource> {
  const options = engineOfUrl(url) === "postgres" ? { type: "postgres", url } : { type: "sqlite", database: url };
  return new DataSource({ ...options, entities: [], logging: false } as DataSourceOptions).initialize();
}

/** Every table in the capture dialects' canonical form, ordered by primary key (what dumpTable gives, on any database). */
export async function dumpDatabase(ds: DataSource, schema: DatabaseSchema): Promise<Dump> {
  const dump: Dump = {};
  const sqlite = ds.options.type !== "postgres";
  for (const t of schema.tables) {
    const order = t.primaryKey.map((c) => `t.${q(c)}`).join(", ");
    if (sqlite) {
      const rows: { r: string }[] = await ds.query(`SELECT ${sqliteRowJsonSql("t", t.columns.map((c) => c.name))} AS r FROM ${q(t.name)} AS t ORDER BY ${order}`);
      dump[t.name] = rows.map((x) => parseSqliteRowJson(x.r));
    } else {
      const rows: { r: string }[] = await ds.query(`SELECT t::text AS r FROM ${q(t.name)} AS t ORDER BY ${order}`);
      dump[t.name] = rows.map((x) => parsePgRow(x.r, t));
    }
  }
  return dump;
}

export async function dumpUrl(url: string, schema: DatabaseSchema): Promise<Dump> {
  const ds = await openUrl(url);
  try {
    return await dumpDatabase(ds, schema);
  } finally {
    await ds.destroy();
  }
}

export async function dumpLive(ds: DataSource, schema: DatabaseSchema): Promise<Dump> {
  const reader = createReader(ds);
  const dump: Dump = {};
  for (const t of schema.tables) dump[t.name] = await reader.dumpTable(t.name);
  return dump;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * One INSERT into every non-empty table, as an app would write it: a copy of
 * an existing row with the database-filled id left out (so the counter must
 * be past every restored id) and each UNIQUE or key column set made new.
 * Returns the tables written.
 */
export async function insertIntoEveryTable(url: string, schema: DatabaseSchema): Promise<string[]> {
  const ds = await openUrl(url);
  try {
    const tables = schema.tables.map((t) => t.name);
    const ddl = await captureDdl(ds, tables);
    const sqlite = ds.options.type !== "postgres";
    const p = (i: number) => (sqlite ? "?" : `$${i}`);
    const written: string[] = [];
    for (const info of ddl.tables) {
      const table = schema.tables.find((t) => t.name === info.name)!;
      const rows: Record<string, unknown>[] = await ds.query(`SELECT * FROM ${q(table.name)} LIMIT 1`);
      if (rows.length === 0) continue;
      const row = { ...rows[0] };
      const auto = info.columns.filter((c) => c.autoIncrement).map((c) => c.name);
      for (const c of auto) delete row[c];
      const sets = [...(info.primaryKey.some((c) => auto.includes(c)) ? [] : [info.primaryKey]), ...info.uniques.map((u) => u.columns)].filter((s) => s.length > 0);
      for (const set of sets) await makeNew(ds, table.name, row, set, info.foreignKeys, p);
      const columns = Object.keys(row);
      await ds.query(`INSERT INTO ${q(table.name)} (${columns.map(q).join(", ")}) VALUES (${columns.map((_c, i) => p(i + 1)).join(", ")})`,
        columns.map((c) => row[c]));
      written.push(table.name);
    }
    return written;
  } finally {
    await ds.destroy();
  }
}

async function makeNew(ds: DataSource, table: string, row: Record<string, unknown>, set: string[],
  fks: SchemaDdl["tables"][number]["foreignKeys"], p: (i: number) => string): Promise<void> {
  for (const c of set) {
    const v = row[c];
    if (typeof v === "string" && UUID.test(v)) { row[c] = randomUUID(); return; }
    // Same length (columns have limits): the tail replaced by something new.
    if (typeof v === "string" && v.length > 0) {
      const tail = Math.min(v.length, 8);
      row[c] = v.slice(0, v.length - tail) + randomUUID().replace(/-/g, "").slice(0, tail);
      return;
    }
  }
  // Only numbers (foreign keys): another referenced row that makes the combination new.
  for (const c of set) {
    const fk = fks.find((f) => f.columns.length === 1 && f.columns[0] === c);
    if (!fk) continue;
    const others = set.filter((o) => o !== c);
    const taken = `SELECT 1 FROM ${q(table)} x WHERE x.${q(c)} = r.${q(fk.refColumns[0])}${others.map((o, i) => ` AND x.${q(o)} = ${p(i + 1)}`).join("")}`;
    const free: Record<string, unknown>[] = await ds.query(
      `SELECT r.${q(fk.refColumns[0])} AS v FROM ${q(fk.table)} r WHERE NOT EXISTS (${taken}) LIMIT 1`, others.map((o) => row[o]));
    if (free.length) { row[c] = free[0].v; return; }
  }
  expect.fail(`no new value for ${table} (${set.join(", ")})`);
}

export async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(() => true, () => false);
}

/** The Stocktake app with the changelog attached, seeded, and what restore tests need around it. */
export interface App {
  engine: "sqlite" | "postgres";
  url: string;
  ds: DataSource;
  store: string;
  changelog: Changelog;
  schema: DatabaseSchema;
  ddl: SchemaDdl;
  dialect: CaptureDialect;
  /** A snapshot (with DDL) of the live database, after flushing the journal. */
  snapshot(name: string): Promise<TestSnapshot>;
  head(): Promise<number>;
  dump(): Promise<Dump>;
  close(): Promise<void>;
}

export async function openApp(engine: "sqlite" | "postgres", options: { seed?: number; scale?: number; segmentBytes?: number } = {}): Promise<App> {
  const db = await createScratchDatabase(engine);
  const ds = await openStocktakeDataSource(db.url);
  const store = tempDir();
  const changelog = await attachChangelog(ds, { dir: store, groupWindowMs: 2, segmentBytes: options.segmentBytes });
  await seedStocktake(ds, { scale: options.scale ?? 1, seed: options.seed ?? 7 });
  const schema = changelog.schema;
  const dialect = await createDialect(ds);
  await dialect.preparePluginTables(schema);
  const ddl = await captureDdl(ds, schema.tables.map((t) => t.name));
  return {
    engine, url: db.url, ds, store, changelog, schema, ddl, dialect,
    snapshot: async (name) => { await changelog.flush(); return snapshotWithDdl(ds, schema, ddl, store, name); },
    head: async () => Number(((await ds.query("SELECT seq FROM _changelog_head")) as { seq: number | string }[])[0].seq),
    dump: () => dumpLive(ds, schema),
    close: async () => {
      await dialect.close();
      await changelog.close();
      if (ds.isInitialized) await ds.destroy();
      await db.dispose();
    },
  };
}

/** A database name or file nobody has yet; the restore creates it. */
export function freshTarget(engine: StocktakeEngine, dir: string): string {
  if (engine === "sqlite") return path.join(dir, `restored-${randomBytes(4).toString("hex")}.db`);
  const url = new URL(postgresAdminUrl());
  url.pathname = `/stk_restored_${randomBytes(5).toString("hex")}`;
  return url.toString();
}

export async function dropTarget(engine: StocktakeEngine, target: string): Promise<void> {
  if (engine === "sqlite") return;
  const client = new Client({ connectionString: postgresAdminUrl() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${new URL(target).pathname.slice(1)}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}


async function pgDatabases(prefix: string): Promise<string[]> {
  const client = new Client({ connectionString: postgresAdminUrl() });
  await client.connect();
  try {
    const rows = await client.query("SELECT datname FROM pg_database WHERE starts_with(datname, $1)", [prefix]);
    return rows.rows.map((r: { datname: string }) => r.datname);
  } finally {
    await client.end();
  }
}

/** Whether a restore's target exists, and whether a half-made one (`.restoring` / `__restoring`) was left. */
export async function targetState(engine: StocktakeEngine, target: string): Promise<{ exists: boolean; leftover: boolean }> {
  if (engine === "sqlite") return { exists: await exists(target), leftover: await exists(`${target}.restoring`) };
  const name = new URL(target).pathname.slice(1);
  const names = await pgDatabases(name);
  return { exists: names.includes(name), leftover: names.includes(`${name}__restoring`) };
}
