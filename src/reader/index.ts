import type { DataSource } from "typeorm";
import { engineOf } from "../db/connect";
import { PostgresReader } from "./postgresReader";
import type { DatabaseReader } from "./reader";
import { SqliteReader } from "./sqliteReader";

export type { ConsistentReader, DatabaseReader } from "./reader";

export function createReader(dataSource: DataSource): DatabaseReader {
  return engineOf(dataSource) === "sqlite" ? new SqliteReader(dataSource) : new PostgresReader(dataSource);
}
