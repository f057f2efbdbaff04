import "reflect-metadata";
import * as path from "path";
import { DataSource, DataSourceOptions } from "typeorm";
import { stocktakeEntities } from "./entities";

/** Where the Stocktake database lives when DATABASE_URL is unset (relative to the working directory). */
export const DEFAULT_SQLITE_FILE = "./stocktake.db";

/**
 * Compiled: dist/src/stocktake -> dist/migrations (*.js); run from source:
 * src/stocktake -> migrations (*.ts). TypeORM skips *.d.ts itself.
 */
const MIGRATIONS_GLOB = path.join(__dirname, "..", "..", "migrations", "*.{js,ts}");

/**
 * Reads a DATABASE_URL the way the old scripts did: `postgres://` or
 * `postgresql://` is PostgreSQL; `file:./dev.db` (Prisma's spelling, query
 * string ignored), a plain path or nothing is a SQLite file.
 */
export function stocktakeDataSourceOptions(url: string | undefined = process.env.DATABASE_URL): DataSourceOptions {
  const common = {
    entities: stocktakeEntities,
    migrations: [MIGRATIONS_GLOB],
    synchronize: false,
    migrationsRun: false, // callers decide when the schema moves
  };
  const value = url?.trim() ?? "";
  if (/^postgres(ql)?:\/\//i.test(value)) {
    return { ...common, type: "postgres", url: value };
  }
  let file = value === "" ? DEFAULT_SQLITE_FILE : value;
  if (file.startsWith("file:")) file = file.slice("file:".length).split("?")[0];
  return {
    ...common,
    type: "sqlite",
    database: file,
    enableWAL: true, // readers (backups) do not block the app's writer
    busyTimeout: 5000, // PRAGMA busy_timeout: SQLite itself waits for a lock
    busyErrorRetry: 50, // TypeORM re-runs a statement that still got SQLITE_BUSY, every 50 ms
  };
}

/** A DataSource for the Stocktake app; not initialised, migrations not run. */
export function createStocktakeDataSource(url?: string): DataSource {
  return new DataSource(stocktakeDataSourceOptions(url ?? process.env.DATABASE_URL));
}

/** Initialises a Stocktake DataSource and brings its schema up to date. */
export async function openStocktakeDataSource(url?: string): Promise<DataSource> {
  const ds = createStocktakeDataSource(url);
  await ds.initialize();
  try {
    await ds.runMigrations({ transaction: "each" });
  } catch (error) {
    await ds.destroy();
    throw error;
  }
  return ds;
}
