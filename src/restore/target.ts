/**
 * Where a restore writes, and how a target is made, published or removed so
 * that a failed or killed restore never leaves a half-made database (I4):
 * - a new SQLite database is built in `<path>.restoring` and renamed into
 *   place after the commit; a new PostgreSQL database is built under
 *   `<name>__restoring` and renamed after it. A kill leaves only the
 *   `restoring` one, which the next restore to the same target removes, and
 *   the next run of any command too: it is registered in the store's scratch
 *   folder before it is created (leftovers/scratch.ts);
 * - an existing, empty database is loaded in one transaction (tables
 *   included), which a failure or a kill rolls back;
 * - in place, the load transaction replaces the rows (execute.ts);
 * - a scratch database (dry run, verify) lives in a folder of the store's
 *   scratch folder, or in a PostgreSQL database named
 *   `stk_scratch_<host>_<pid>_<seconds>_<hex>`, and is always removed; a run
 *   killed before that leaves it to the next run's sweep (leftovers/sweep.ts).
 */
import { promises as fs, existsSync } from "node:fs";
import * as path from "node:path";
import { DataSource, DataSourceOptions } from "typeorm";
import { redactUrl, bareOptions, engineOfUrl, locationOf } from "../db/connect";
import { listUserTables } from "../db/catalog";
import { dataSourceOptionsFromUrl } from "../db/connect";
import { BackupError } from "../errors";
import { databaseComment, register, type Registration } from "../leftovers/scratch";
import { fileTimestamp } from "../snapshot/fileName";
import { requireSqliteFile } from "../db/sqliteFile";
import { quoteIdent as q } from "../db/sql";
import { Engine } from "../db/types";
import { fsyncDir } from "../durable";
import { databaseExists, databaseName, withAdmin, withDatabase } from "../db/postgresAdmin";

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

export async function openBare(options: DataSourceOptions): Promise<DataSource> {
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

/**
 * A target for a restore into a new database: created here, or existing and
 * empty. `store`: where the database being built is registered (optional for
 * the library; the CLI always gives it).
 */
export async function openNewTarget(location: string, store?: string): Promise<Target> {
  return engineOfUrl(location) === "sqlite" ? newSqlite(dataSourceOptionsFromUrl(location) as { database: string }, store) : newPostgres(location, store);
}

/**
 * The target as it is, when the database already exists: opened, and
 * refused unless it holds no row (a restore never mixes its rows with
 * others); null when there is no such database yet.
 */
async function existingTarget(location: string): Promise<Target | null> {
  let ds: DataSource;
  let display: string;
  if (engineOfUrl(location) === "sqlite") {
    display = path.resolve((dataSourceOptionsFromUrl(location) as { database: string }).database);
    if (!existsSync(display)) return null;
    ds = await openBare({ type: "sqlite", database: display, busyTimeout: 5000 });
  } else {
    display = redactUrl(location);
    if (!(await databaseExists(location, databaseName(location)))) return null;
    ds = await openBare({ type: "postgres", url: location });
  }
  try {
    await requireEmpty(ds, display, NOT_EMPTY_HINT);
  } catch (error) {
    await ds.destroy();
    throw error;
  }
  const close = async () => { if (ds.isInitialized) await ds.destroy(); };
  const engine: Engine = engineOfUrl(location);
  return { engine, mode: "existing", display, location: engine === "sqlite" ? display : location, dataSource: ds, publish: close, discard: close };
}

/** What openNewTarget would refuse, found without creating or changing anything (a dry run). */
export async function checkNewTarget(location: string): Promise<void> {
  await (await existingTarget(location))?.discard();
}


/** The server of a PostgreSQL URL, without its password (what a registration keeps). */
function serverOf(url: string): string {
  const u = new URL(url);
  u.password = "";
  u.pathname = "/postgres";
  return u.toString();
}

async function newSqlite(options: { database: string }, store: string | undefined): Promise<Target> {
  const file = path.resolve(options.database);
  const temp = `${file}.restoring`;
  requireSqliteFile(file);
  // Left by a restore that was killed: never published, so nothing of it is in use.
  await removeSqlite(temp);
  const existing = await existingTarget(file);
  if (existing) return existing;
  await fs.mkdir(path.dirname(file), { recursive: true });
  const registration = await register(store, { kind: "sqlite-file", path: temp });
  // Created empty with O_EXCL before SQLite opens it, which would follow a symlink planted under the name since the removal above.
  await (await fs.open(temp, "wx")).close();
  // better-sqlite3: the load and replay run as synchronous prepared statements on its connection (betterSqliteWriter.ts).
  const ds = await openBare({ type: "better-sqlite3", database: temp }).catch(async (error) => { await registration.release(); throw error; });
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
      await fsyncDir(path.dirname(file)); // the new name survives a power cut only once its directory is synced
      await registration.release();
    },
    async discard() {
      if (ds.isInitialized) await ds.destroy();
      await removeSqlite(temp);
      await registration.release();
    },
  };
}

async function removeSqlite(file: string): Promise<void> {
  for (const suffix of ["", "-journal", "-wal", "-shm"]) await fs.rm(file + suffix, { force: true });
}

/** Creates a database that carries its registration's tag as its comment, so a sweep drops only this one. */
export async function createRegistered(url: string, name: string, store: string | undefined, dropFirst: boolean): Promise<Registration> {
  const registration = await register(store, { kind: "postgres-database", server: serverOf(url), database: name });
  try {
    await withAdmin(url, async (c) => {
      // Left by a restore that was killed before it renamed its database.
      if (dropFirst) await c.query(`DROP DATABASE IF EXISTS ${q(name)} WITH (FORCE)`);
      await c.query(`CREATE DATABASE ${q(name)}`);
      await c.query(`COMMENT ON DATABASE ${q(name)} IS '${databaseComment(registration.tag)}'`);
    });
  } catch (error) {
    await registration.release();
    throw error;
  }
  return registration;
}

async function newPostgres(url: string, store: string | undefined): Promise<Target> {
  const name = databaseName(url);
  const display = redactUrl(url);
  const existing = await existingTarget(url);
  if (existing) return existing;
  const temp = name.slice(0, PG_NAME_MAX - RESTORING.length) + RESTORING;
  const registration = await createRegistered(url, temp, store, true);
  const drop = async () => {
    await withAdmin(url, (c) => c.query(`DROP DATABASE IF EXISTS ${q(temp)} WITH (FORCE)`));
    await registration.release();
  };
  const ds = await openBare({ type: "postgres", url: withDatabase(url, temp) }).catch(async (error) => { await drop().catch(() => undefined); throw error; });
  return {
    engine: "postgres", mode: "new", display, location: url, dataSource: ds,
    async publish() {
      await ds.destroy();
      await withAdmin(url, async (c) => {
        await c.query(`ALTER DATABASE ${q(temp)} RENAME TO ${q(name)}`);
        await c.query(`COMMENT ON DATABASE ${q(name)} IS NULL`);
      });
      await registration.release();
    },
    async discard() {
      if (ds.isInitialized) await ds.destroy();
      await drop();
    },
  };
}

/**
 * The live database itself, for an in-place restore, on a connection of its
 * own: the app's DataSource may be mid-transaction, and on SQLite all its
 * work shares one connection.
 */
export async function openInPlace(source: string | DataSource): Promise<Target> {
  const options = typeof source === "string" ? dataSourceOptionsFromUrl(source) : source.options;
  const engine: Engine = options.type === "postgres" ? "postgres" : "sqlite";
  // A SQLite URL (file:./x.db?…) is reached by its file.
  const location = typeof source !== "string" ? locationOf(source) : engine === "sqlite" ? String((options as { database: string }).database) : source;
  if (engine === "sqlite" && (location === ":memory:" || !existsSync(location))) {
    throw new BackupError("NOT_FOUND", `SQLite database ${location} does not exist`, "check --db or DATABASE_URL");
  }
  if (engine === "sqlite") requireSqliteFile(location);
  const ds = await openBare(engine === "sqlite" ? { type: options.type, database: location, busyTimeout: 5000 } as DataSourceOptions : options);
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
