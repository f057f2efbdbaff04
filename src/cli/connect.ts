/**
 * What the CLI works on: a database reached by URL alone (no entity classes:
 * its tables are read from the catalog, so any schema works) and a backup
 * store that must already exist.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DataSource, DataSourceOptions } from "typeorm";
import { attachChangelog, Changelog, resolveStoreDir } from "../attach";
import { createDialect } from "../capture/createDialect";
import { listUserTables } from "../capture/tables";
import { BackupError } from "../errors";
import { DatabaseSchema } from "../journal/types";
import { takeSnapshot, TakenSnapshot, TakeSnapshotOptions } from "../snapshot/take";

export interface CliConnectOptions {
  /** A database URL (`postgres://…`, `file:./x.db`) or SQLite path; default $DATABASE_URL, else the app's ormconfig. */
  db?: string;
  /** The backup store; default $BACKUP_DIR, else ./snapshots. It must exist. */
  dir?: string;
  /** An initialised DataSource to use instead of `db`; left open by close(). */
  dataSource?: DataSource;
}

export interface CliChangelog {
  readonly dataSource: DataSource;
  readonly dir: string;
  readonly schema: DatabaseSchema;
  /**
   * False when another process (the running app) holds the store's journal:
   * it ships the changes, this one only takes snapshots, which need no journal.
   */
  readonly shipping: boolean;
  snapshot(options?: TakeSnapshotOptions): Promise<TakenSnapshot>;
  close(): Promise<void>;
}

/** The store directory, which must exist: a mistyped --dir must not start a second journal. */
export function existingStore(dir?: string): string {
  const resolved = resolveStoreDir(dir);
  if (!fs.statSync(resolved, { throwIfNoEntry: false })?.isDirectory()) {
    throw new BackupError("NOT_FOUND", `backup store ${resolved} does not exist`,
      "pass the app's store with --dir or $BACKUP_DIR, or create the directory for a new store");
  }
  return resolved;
}

/** `postgres://` or `postgresql://` is PostgreSQL; `file:./x.db` (query ignored) or a plain path is a SQLite file. */
export function dataSourceOptionsFromUrl(url: string): DataSourceOptions {
  if (/^postgres(ql)?:\/\//i.test(url)) return { type: "postgres", url };
  const file = url.startsWith("file:") ? url.slice("file:".length).split("?")[0] : url;
  return { type: "sqlite", database: file, busyTimeout: 5000 };
}

/** The app's DataSource (ormconfig), compiled or beside the working directory, else this package's. */
function ormconfigOptions(): DataSourceOptions {
  const candidates = [
    path.resolve("dist", "ormconfig.js"),
    path.resolve("ormconfig.js"),
    path.join(__dirname, "..", "..", "ormconfig.js"),
  ];
  const file = candidates.find((f) => fs.existsSync(f));
  if (file === undefined) {
    throw new BackupError("BAD_USAGE", "no database given and no ormconfig.js found",
      "pass --db (for example --db file:./stocktake.db or --db postgres://user@host/db) or set DATABASE_URL");
  }
  const loaded = require(file) as { default?: { options?: DataSourceOptions }; options?: DataSourceOptions };
  const options = loaded.options ?? loaded.default?.options;
  if (options === undefined) throw new BackupError("BAD_INPUT", `${file} does not export a TypeORM DataSource`, "pass --db or set DATABASE_URL");
  return options;
}

function redact(options: DataSourceOptions): string {
  if (options.type === "postgres") return (options.url ?? "postgres").replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@");
  return String((options as { database?: unknown }).database);
}

/** Opens the database of --db, $DATABASE_URL or ormconfig without its entities, subscribers or migrations. */
export async function openDatabase(db?: string): Promise<DataSource> {
  const url = db ?? process.env.DATABASE_URL;
  const base = url !== undefined && url.trim() !== "" ? dataSourceOptionsFromUrl(url.trim()) : ormconfigOptions();
  const options = {
    ...base, entities: [], subscribers: [], migrations: [],
    synchronize: false, migrationsRun: false, dropSchema: false, logging: false,
  } as DataSourceOptions;
  const file = (options as { database?: unknown }).database;
  // SQLite would create a missing file, and the backup would be of an empty database.
  if ((options.type === "sqlite" || options.type === "better-sqlite3") && file !== ":memory:" && !fs.existsSync(String(file))) {
    throw new BackupError("NOT_FOUND", `SQLite database ${String(file)} does not exist`, "check --db or DATABASE_URL");
  }
  try {
    return await new DataSource(options).initialize();
  } catch (error) {
    throw new BackupError("BAD_INPUT", `cannot open database ${redact(options)}: ${(error as Error).message}`, "check --db or DATABASE_URL");
  }
}

/**
 * Connects and attaches the changelog to every user table, so commands work
 * with any schema. If the running app holds the store's journal, snapshots
 * are taken without it: their seq comes from the database, whose changes the
 * app goes on shipping.
 */
export async function openChangelogForCli(options: CliConnectOptions): Promise<CliChangelog> {
  const dir = existingStore(options.dir);
  const dataSource = options.dataSource ?? (await openDatabase(options.db));
  const owned = options.dataSource === undefined;
  try {
    const tables = await listUserTables(dataSource);
    if (tables.length === 0) {
      throw new BackupError("NOT_FOUND", "the database has no tables to back up", "check --db or DATABASE_URL, and that the app's migrations ran");
    }
    let changelog: Changelog | null = null;
    try {
      changelog = await attachChangelog(dataSource, { dir, tables });
    } catch (error) {
      if (!(error instanceof BackupError && error.code === "JOURNAL_LOCKED")) throw error;
    }
    const release = async () => { if (owned && dataSource.isInitialized) await dataSource.destroy(); };
    if (changelog !== null) {
      const attached = changelog;
      return {
        dataSource, dir, schema: attached.schema, shipping: true,
        snapshot: (o) => attached.snapshot(o),
        close: async () => { try { await attached.close(); } finally { await release(); } },
      };
    }
    // No prepare(): its DDL and writes are not needed to read, and on SQLite
    // they would fail with SQLITE_BUSY while the app writes.
    const dialect = await createDialect(dataSource);
    let schema: DatabaseSchema;
    try {
      schema = await dialect.readSchema(tables);
    } catch (error) {
      await dialect.close();
      throw error;
    }
    return {
      dataSource, dir, schema, shipping: false,
      snapshot: (o) => takeSnapshot(dialect, schema, dir, o),
      close: async () => { try { await dialect.close(); } finally { await release(); } },
    };
  } catch (error) {
    if (owned && dataSource.isInitialized) await dataSource.destroy();
    throw error;
  }
}
