/**
 * Where a restore writes, and how a target is made, published or removed so
 * that a failed or killed restore never leaves a half-made database (I4):
 * - a new SQLite database is built in `<path>.restoring` and renamed into
 *   place after the commit; a new PostgreSQL database is built under
 *   `<name>__restoring` and renamed after it. A kill leaves only the
 *   `restoring` one, which the next restore to the same target removes;
 * - an existing, empty database is loaded in one transaction (tables
 *   included), which a failure or a kill rolls back;
 * - in place, the load transaction replaces the rows (execute.ts);
 * - a scratch database (dry run, verify) lives in a temporary file or a
 *   temporary PostgreSQL database and is always removed.
 */
import { randomBytes } from "node:crypto";
import { promises as fs, existsSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Client } from "pg";
import { DataSource, DataSourceOptions } from "typeorm";
import { engineOf } from "../capture/dialect";
import { listUserTables } from "../capture/tables";
import { dataSourceOptionsFromUrl } from "../cli/connect";
import { BackupError } from "../errors";
import { fileTimestamp } from "../snapshot/fileName";
import { Engine, quoteIdent as q } from "./sql";

export type TargetMode = "new" | "existing" | "in-place" | "scratch";

export interface Target {
  readonly engine: Engine;
  readonly mode: TargetMode;
  /** The path or URL (password hidden) to tell the user. */
  readonly display: string;
  /** Where the target is reached once published: a file path or a URL, as given. */
  readonly location: string;
  readonly dataSource: DataSource;
  /** After the load committed: gives a new database its name. */
  publish(): Promise<void>;
  /** After a failure: removes what this restore created. */
  discard(): Promise<void>;
}

const PG_NAME_MAX = 63;
const RESTORING = "__restoring";

/** Options for opening a database by URL or path, without entities. */
export function bareOptions(base: DataSourceOptions): DataSourceOptions {
  return {
    ...base, entities: [], subscribers: [], migrations: [], synchronize: false, migrationsRun: false, dropSchema: false, logging: false,
  } as DataSourceOptions;
}

export function engineOfUrl(url: string): Engine {
  return dataSourceOptionsFromUrl(url).type === "postgres" ? "postgres" : "sqlite";
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@");
}

/** A PostgreSQL URL for the DataSource's server and database. */
export function postgresUrlOf(options: DataSourceOptions): string {
  const o = options as { url?: string; host?: string; port?: number; username?: string; password?: string; database?: string };
  if (o.url) return o.url;
  const auth = o.username ? `${encodeURIComponent(o.username)}${o.password ? `:${encodeURIComponent(String(o.password))}` : ""}@` : "";
  return `postgres://${auth}${o.host ?? "localhost"}:${o.port ?? 5432}/${o.database ?? "postgres"}`;
}

/** The location (file path or URL) a DataSource of either engine reaches. */
export function locationOf(ds: DataSource): string {
  return engineOf(ds) === "postgres" ? postgresUrlOf(ds.options) : String((ds.options as { database?: unknown }).database);
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  if (name === "") throw new BackupError("BAD_INPUT", `${redactUrl(url)} names no database`, "give the database to restore into, e.g. postgres://user@host/stocktake_restored");
  return name;
}

async function withAdmin<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: withDatabase(url, "postgres") });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function databaseExists(url: string, name: string): Promise<boolean> {
  return withAdmin(url, async (c) => (await c.query("SELECT 1 FROM pg_database WHERE datname = $1", [name])).rowCount === 1);
}

async function open(options: DataSourceOptions): Promise<DataSource> {
  return new DataSource(bareOptions(options)).initialize();
}

/** Fails when any user table holds a row: a restore never mixes its rows with others. */
export async function requireEmpty(ds: DataSource, display: string, hint: string): Promise<void> {
  for (const table of await listUserTables(ds)) {
    const rows: unknown[] = await ds.query(`SELECT 1 FROM ${q(table)} LIMIT 1`);
    if (rows.length > 0) throw new BackupError("TARGET_NOT_EMPTY", `${display} is not empty: table "${table}" holds rows`, hint);
  }
}

const NOT_EMPTY_HINT = "restore into a new database (a --target that does not exist), or in place with --clear-existing";

/** A target for a restore into a new database: created here, or existing and empty. */
export async function openNewTarget(location: string): Promise<Target> {
  return engineOfUrl(location) === "sqlite" ? newSqlite(dataSourceOptionsFromUrl(location) as { database: string }) : newPostgres(location);
}

async function newSqlite(options: { database: string }): Promise<Target> {
  const file = path.resolve(options.database);
  const temp = `${file}.restoring`;
  // Left by a restore that was killed: never published, so nothing of it is in use.
  await removeSqlite(temp);
  if (existsSync(file)) {
    const ds = await open({ type: "sqlite", database: file, busyTimeout: 5000 });
    try {
      await requireEmpty(ds, file, NOT_EMPTY_HINT);
    } catch (error) {
      await ds.destroy();
      throw error;
    }
    return { engine: "sqlite", mode: "existing", display: file, location: file, dataSource: ds, publish: async () => ds.destroy(), discard: async () => { if (ds.isInitialized) await ds.destroy(); } };
  }
  await fs.mkdir(path.dirname(file), { recursive: true });
  // better-sqlite3: the load and replay run as synchronous prepared statements on its connection (sqliteFastWriter.ts).
  const ds = await open({ type: "better-sqlite3", database: temp });
  // The file has no name yet: a crash loses nothing, so skip the syncs and sync once before the rename.
  await ds.query("PRAGMA synchronous = OFF");
  return {
    engine: "sqlite", mode: "new", display: file, location: file, dataSource: ds,
    async publish() {
      await ds.destroy();
      const fh = await fs.open(temp, "r+");
      try { await fh.sync(); } finally { await fh.close(); }
      if (existsSync(file)) throw new BackupError("TARGET_NOT_EMPTY", `${file} appeared while the restore ran`, "restore again into another path");
      await fs.rename(temp, file);
    },
    async discard() {
      if (ds.isInitialized) await ds.destroy();
      await removeSqlite(temp);
    },
  };
}

async function removeSqlite(file: string): Promise<void> {
  for (const suffix of ["", "-journal", "-wal", "-shm"]) await fs.rm(file + suffix, { force: true });
}

async function newPostgres(url: string): Promise<Target> {
  const name = databaseName(url);
  const display = redactUrl(url);
  if (await databaseExists(url, name)) {
    const ds = await open({ type: "postgres", url });
    try {
      await requireEmpty(ds, display, NOT_EMPTY_HINT);
    } catch (error) {
      await ds.destroy();
      throw error;
    }
    return { engine: "postgres", mode: "existing", display, location: url, dataSource: ds, publish: async () => ds.destroy(), discard: async () => { if (ds.isInitialized) await ds.destroy(); } };
  }
  const temp = name.slice(0, PG_NAME_MAX - RESTORING.length) + RESTORING;
  await withAdmin(url, async (c) => {
    // Left by a restore that was killed before it renamed its database.
    await c.query(`DROP DATABASE IF EXISTS ${q(temp)} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${q(temp)}`);
  });
  const ds = await open({ type: "postgres", url: withDatabase(url, temp) });
  return {
    engine: "postgres", mode: "new", display, location: url, dataSource: ds,
    async publish() {
      await ds.destroy();
      await withAdmin(url, (c) => c.query(`ALTER DATABASE ${q(temp)} RENAME TO ${q(name)}`));
    },
    async discard() {
      if (ds.isInitialized) await ds.destroy();
      await withAdmin(url, (c) => c.query(`DROP DATABASE IF EXISTS ${q(temp)} WITH (FORCE)`));
    },
  };
}

/**
 * A throwaway database of `engine` for a dry run or verify, removed by
 * discard() (publish() removes it too: nothing of it is kept). PostgreSQL
 * needs a server: `serverUrl` (any database on it).
 */
export async function openScratch(engine: Engine, serverUrl?: string): Promise<Target> {
  if (engine === "sqlite") {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "stocktake-restore-"));
    const file = path.join(dir, "scratch.db");
    const ds = await open({ type: "sqlite", database: file });
    await ds.query("PRAGMA synchronous = OFF");
    const remove = async () => {
      if (ds.isInitialized) await ds.destroy();
      await fs.rm(dir, { recursive: true, force: true });
    };
    return { engine, mode: "scratch", display: file, location: file, dataSource: ds, publish: remove, discard: remove };
  }
  if (serverUrl === undefined) {
    throw new BackupError("BAD_USAGE", "a scratch PostgreSQL database needs a server", "pass --db or --target with a postgres:// URL");
  }
  const name = `stk_scratch_${randomBytes(6).toString("hex")}`;
  await withAdmin(serverUrl, (c) => c.query(`CREATE DATABASE ${q(name)}`));
  const url = withDatabase(serverUrl, name);
  const ds = await open({ type: "postgres", url });
  const remove = async () => {
    if (ds.isInitialized) await ds.destroy();
    await withAdmin(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${q(name)} WITH (FORCE)`));
  };
  return { engine, mode: "scratch", display: redactUrl(url), location: url, dataSource: ds, publish: remove, discard: remove };
}

/**
 * The live database itself, for an in-place restore, on a connection of its
 * own: the app's DataSource may be mid-transaction, and on SQLite all its
 * work shares one connection.
 */
export async function openInPlace(source: string | DataSource): Promise<Target> {
  const options = typeof source === "string" ? dataSourceOptionsFromUrl(source) : source.options;
  const engine: Engine = options.type === "postgres" ? "postgres" : "sqlite";
  const location = typeof source === "string" ? source : locationOf(source);
  if (engine === "sqlite" && (location === ":memory:" || !existsSync(location))) {
    throw new BackupError("NOT_FOUND", `SQLite database ${location} does not exist`, "check --db or DATABASE_URL");
  }
  const ds = await open(engine === "sqlite" ? { type: options.type, database: location, busyTimeout: 5000 } as DataSourceOptions : options);
  const close = async () => { if (ds.isInitialized) await ds.destroy(); };
  return { engine, mode: "in-place", display: engine === "postgres" ? redactUrl(location) : location, location, dataSource: ds, publish: close, discard: close };
}

/**
 * Where a point-in-time restore goes when no target is given: a new SQLite
 * file under `<store>/restored/`, or a new database on the source's
 * PostgreSQL server, both named by the seq and time reached.
 */
export async function defaultTarget(engine: Engine, store: string, seq: number, at: number, sourceUrl?: string): Promise<string> {
  const stamp = fileTimestamp(at);
  if (engine === "sqlite") {
    let file = path.join(store, "restored", `restored-seq${seq}-${stamp}.db`);
    for (let n = 2; existsSync(file); n++) file = path.join(store, "restored", `restored-seq${seq}-${stamp}-${n}.db`);
    return file;
  }
  if (sourceUrl === undefined || engineOfUrl(sourceUrl) !== "postgres") {
    throw new BackupError("BAD_USAGE", "no PostgreSQL server to create the restored database on", "pass --target postgres://user@host/new_database, or --db with the source database");
  }
  const base = databaseName(sourceUrl).toLowerCase().replace(/[^a-z0-9_]/g, "_").slice(0, 24);
  const name = `${base}_seq${seq}_${stamp.slice(0, 19).replace(/-/g, "").replace("T", "t").toLowerCase()}`;
  let candidate = name;
  for (let n = 2; await databaseExists(sourceUrl, candidate); n++) candidate = `${name}_${n}`;
  return withDatabase(sourceUrl, candidate);
}
