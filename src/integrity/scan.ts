/**
 * The rules over one state of a live database: one consistent read (the
 * same read a snapshot takes), each row an insert event at the read's seq,
 * and a commit at the end. Writes nothing to the database (I8).
 */
import type { DataSource } from "typeorm";
import { listUserTables } from "../db/catalog";
import { engineOf } from "../db/connect";
import { type ConsistentReader, createReader } from "../reader";
import { captureDdl } from "../schema/captureDdl";
import { FindingCollector } from "./collector";
import { entityConstraints } from "./entityConstraints";
import type { Rule } from "./rule";
import type { Secrets } from "../secrets";
import { ruleSchemaOf, type RuleSchema } from "./ruleSchema";
import { RuleRun } from "./run";
import { readSqliteFile } from "./sqliteFileView";
import { type ValidationResult, validationResult } from "./result";

export interface ScanOptions {
  rules: readonly Rule[];
  /** The tables to check; default every table of the app (entity tables, else every user table). */
  tables?: string[];
  /** Rows per page of the read. */
  pageSize?: number;
  onProgress?: (progress: { table: string; rows: number }) => void;
  /** Columns whose values messages show as `<redacted>`; default src/secrets.ts's list and $BACKUP_SECRET_COLUMNS. */
  secrets?: Secrets;
}

/** The tables a DataSource's app has: its entities' when it has entity classes, else every user table. */
export async function appTables(ds: DataSource): Promise<string[]> {
  const entities = ds.entityMetadatas.filter((m) => m.tableType !== "view").map((m) => m.tableName);
  return entities.length > 0 ? [...new Set(entities)].filter((t) => !t.startsWith("_changelog_")).sort() : listUserTables(ds);
}

export async function scanDatabase(ds: DataSource, options: ScanOptions): Promise<ValidationResult> {
  const started = performance.now();
  const checkedAt = Date.now();
  const tables = options.tables ?? await appTables(ds);
  const reader = createReader(ds);
  const schema = await reader.readSchema(tables);
  const ddl = await captureDdl(ds, tables);
  const ruleSchema: RuleSchema = entityConstraints(ruleSchemaOf(schema, ddl, options.secrets), ds);
  const collector = new FindingCollector();
  let rows = 0;
  const pageSize = options.pageSize ?? 2000;
  const scan = async (view: ConsistentReader) => {
    const run = new RuleRun(options.rules, ruleSchema, "scan", collector.add, true);
    try {
      for (const table of tables) {
        for await (const batch of view.batches(table, pageSize)) {
          for (const row of batch) run.row({ table, op: "insert", seq: view.seq, at: checkedAt, before: null, after: row });
          rows += batch.length;
          options.onProgress?.({ table, rows });
        }
      }
      for (const question of run.questions) {
        const where = typeof question.where === "function" ? question.where() : question.where;
        if (where === null) continue;
        for await (const batch of view.batches(question.table, pageSize, where)) for (const row of batch) run.answer(question, row);
      }
      run.commit(view.seq, checkedAt);
    } finally {
      run.close();
    }
    return { seq: view.seq };
  };
  // A SQLite file reads faster in a process of its own (sqliteFileView.ts); elsewhere, or where that cannot load, through TypeORM.
  const file = engineOf(ds) === "sqlite" ? reader.databaseFile() : null;
  const { seq } = (file !== null ? (await readSqliteFile(file, schema, scan))?.value : undefined) ?? await reader.readConsistent(scan, schema);
  return validationResult(collector, { engine: engineOf(ds), seq, at: checkedAt, tables: tables.length, rows, rules: options.rules, ms: performance.now() - started });
}
