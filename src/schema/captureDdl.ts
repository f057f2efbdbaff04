import type { DataSource, QueryRunner } from "typeorm";
import { BackupError } from "../errors";
import type { SchemaDdl } from "./ddl";
import { capturePostgresDdl } from "./postgresDdl";
import { captureSqliteDdl } from "./sqliteDdl";

/**
 * The statements that create `tables` (with their keys, indexes and foreign
 * keys) on an empty database of the same engine, and their engine-neutral
 * description for the other engine. Read from the catalog: no entity classes.
 * Pass the QueryRunner of a read transaction to describe the same state the
 * transaction's rows come from.
 */
export async function captureDdl(source: DataSource | QueryRunner, tables: string[]): Promise<SchemaDdl> {
  const type = ("connection" in source ? source.connection : source).options.type;
  if (type === "sqlite" || type === "better-sqlite3") return captureSqliteDdl(source, tables);
  if (type === "postgres") return capturePostgresDdl(source, tables);
  throw new BackupError("BAD_INPUT", `unsupported TypeORM driver "${type}"`, "stocktake-backup supports the sqlite, better-sqlite3 and postgres drivers");
}
