import type { DataSource, QueryRunner } from "typeorm";
import { readHead } from "../capture/head";
import { readSchema } from "../db/catalog";
import type { DatabaseSchema, Engine, Row } from "../db/types";
import { captureDdl } from "../schema/captureDdl";
import type { SchemaDdl } from "../schema/ddl";
import type { ConsistentReader } from "./reader";

/**
 * What both readers read alike: the catalog and the tables' DDL (the plain
 * functions of src/db and src/schema), and the view a consistent read hands
 * out once its transaction is open (the head's seq, pages by key).
 */
export abstract class CatalogReader {
  abstract readonly engine: Engine;

  constructor(protected readonly db: DataSource) {}

  readSchema(tables: string[]): Promise<DatabaseSchema> {
    return readSchema(this.db, this.engine, tables);
  }

  captureDdl(tables: string[]): Promise<SchemaDdl> {
    return captureDdl(this.db, tables);
  }

  /** Inside the read transaction: the head it sees, and its tables page by page. */
  protected async consistentView(runner: QueryRunner, schema: DatabaseSchema): Promise<ConsistentReader> {
    const head = await readHead(runner, this.engine);
    return { seq: head.seq, at: head.at, batches: (table, size, where) => this.keysetBatches(runner, schema, table, size, where) };
  }

  protected abstract keysetBatches(runner: QueryRunner, schema: DatabaseSchema, table: string, size: number, where?: string): AsyncGenerator<Row[]>;
}
