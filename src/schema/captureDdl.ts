import type { DataSource, QueryRunner } from "typeorm";
import { BackupError } from "../errors";
import type { SchemaDdl } from "./ddl";
import { capturePostgresDdl } from "./postgresDdl";
import { captureSqliteDdl } from "./sqliteDdl";

/**
 * The description of `tables` (types, keys, defaults, indexes, foreign keys,
 * enums) from which a restore creates them in a new database of either
 * engine. Read from the catalog: no entity classes. Pass the QueryRunner of
 * a read transaction to describe the same state the transaction's rows come
 * from.
 */
export async function captureDdl(source: DataSource | QueryRunner, tables: string[]): Promise<SchemaDdl> {
  const type = ("connection" in source ? source.connection : source).options.type;
  if (type === "sqlite" || type === "better-sqlite3") return captureSqliteDdl(source, tables);
  if (type === "postgres") return capturePostgresDdl(source, tables);
  throw new BackupError("BAD_INPUT", `unsupported TypeORM driver "${type}"`, "stocktake-backup supports the sqlite, better-sqlite3 and postgres drivers");
}
