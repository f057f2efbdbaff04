/**
 * Reaching a database by URL alone, with no entity classes: `postgres://…`
 * or `postgresql://…` is PostgreSQL; `file:./x.db` (query ignored) or a plain
 * path is a SQLite file. Every command and the library open databases here,
 * and name them here with their password hidden.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DataSource, DataSourceOptions } from "typeorm";
import { BackupError } from "../errors";
import { asBackupError } from "../systemErrors";
import { requireSqliteFile } from "./sqliteFile";
import type { Engine } from "./types";

export function dataSourceOptionsFromUrl(url: string): DataSourceOptions {
  if (/^postgres(ql)?:\/\//i.test(url)) return { type: "postgres", url };
  const file = url.startsWith("file:") ? url.slice("file:".length).split("?")[0] : url;
  return { type: "sqlite", database: file, busyTimeout: 5000 };
}

export function engineOfUrl(url: string): Engine {
  return dataSourceOptionsFromUrl(url).type === "postgres" ? "postgres" : "sqlite";
}

/** The engine of an app's DataSource; a driver the program does not know is refused. */
export function engineOf(dataSource: DataSource): Engine {
  const type = dataSource.options.type;
  if (type === "sqlite" || type === "better-sqlite3") return "sqlite";
  if (type === "postgres") return "postgres";
  throw new BackupError("BAD_INPUT", `unsupported TypeORM driver "${type}"`, "stocktake-backup supports the sqlite, better-sqlite3 and postgres drivers");
}

/** A URL fit to print: its password replaced by `***`. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@");
}

/** Options for opening a database by URL or path, without the app's entities, subscribers or migrations. */
export function bareOptions(base: DataSourceOptions): DataSourceOptions {
  return {
    ...base, entities: [], subscribers: [], migrations: [], synchronize: false, migrationsRun: false, dropSchema: false, logging: false,
  } as DataSourceOptions;
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

/** What a database is called in messages: a SQLite file's absolute path, a PostgreSQL URL without its password. */
export function displayOf(location: string): string {
  return engineOfUrl(location) === "postgres" ? redactUrl(location) : path.resolve(location.replace(/^file:/, "").split("?")[0]);
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

function nameOf(options: DataSourceOptions): string {
  return options.type === "postgres" ? redactUrl(options.url ?? "postgres") : String((options as { database?: unknown }).database);
}

/** Opens the database of `db`, else $DATABASE_URL, else the app's ormconfig, without its entities, subscribers or migrations. */
export async function openDatabase(db?: string): Promise<DataSource> {
  const url = db ?? process.env.DATABASE_URL;
  const options = bareOptions(url !== undefined && url.trim() !== "" ? dataSourceOptionsFromUrl(url.trim()) : ormconfigOptions());
  const file = (options as { database?: unknown }).database;
  if (options.type === "sqlite" || options.type === "better-sqlite3") {
    // SQLite would create a missing file, and the backup would be of an empty database.
    if (file !== ":memory:" && !fs.existsSync(String(file))) {
      throw new BackupError("NOT_FOUND", `SQLite database ${String(file)} does not exist`, "check --db or DATABASE_URL");
    }
    requireSqliteFile(String(file));
  }
  try {
    return await new DataSource(options).initialize();
  } catch (error) {
    throw asBackupError(error, `cannot open database ${nameOf(options)}`) ??
      new BackupError("BAD_INPUT", `cannot open database ${nameOf(options)}: ${(error as Error).message}`, "check --db or DATABASE_URL");
  }
}
