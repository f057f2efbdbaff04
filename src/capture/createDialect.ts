import { DataSource, DataSourceOptions } from "typeorm";
import { CaptureDialect } from "./dialect";
import { engineOf } from "../db/connect";
import { PostgresDialect } from "./postgresDialect";
import { SqliteDialect } from "./sqliteDialect";

/**
 * On SQLite the app's DataSource has a single connection, shared by every
 * transaction; the shipper reads committed rows through a second one.
 */
async function openSqliteReader(dataSource: DataSource): Promise<DataSource> {
  const database = (dataSource.options as { database?: string }).database;
  if (!database || database === ":memory:") return dataSource;
  const reader = new DataSource({
    type: dataSource.options.type,
    database,
    entities: [],
    busyTimeout: 5000,
    logging: false,
  } as DataSourceOptions);
  return reader.initialize();
}

export async function createDialect(dataSource: DataSource): Promise<CaptureDialect> {
  return engineOf(dataSource) === "sqlite"
    ? new SqliteDialect(dataSource, await openSqliteReader(dataSource))
    : new PostgresDialect(dataSource);
}
