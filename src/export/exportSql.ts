/**
 * exportSql(): the state of the database at a snapshot, an instant or a
 * seq, as a SQL script for either dialect, read from the store alone (no
 * database is opened, I8). The snapshot is streamed and the journal folded
 * into a scratch file (stateAt.ts), so memory does not grow with the rows.
 */
import { BackupError } from "../errors";
import { pastInstant } from "../instant";
import { planRestore } from "../restore/plan";
import { SnapshotReader } from "../snapshot";
import { existingStore } from "../store";
import type { Dialect } from "./literal";
import { type Compression, ScriptOutput } from "./output";
import { TableRowsWriter } from "./rowStatements";
import { foldJournal, rowsAt } from "./stateAt";
import { autoIncrementTables, closing, ddlAround, opening, postgresCounters, sqliteCounters } from "./statements";
import { orderAcceptsForeignKeys } from "./tableOrder";

export interface ExportOptions {
  store?: string;
  /** A snapshot file (path or name in the store), or "latest"; with `to`/`toSeq` the snapshot to start from. */
  snapshot?: string;
  to?: string | number | Date;
  toSeq?: number;
  timeZone?: string;
  /** A file path, or "-" for stdout. */
  out: string;
  /** Default: the engine of the source. */
  dialect?: Dialect;
  /** Include the DDL (tables, keys, indexes, defaults, foreign keys). */
  schema?: boolean;
  /** PostgreSQL: COPY … FROM stdin instead of INSERTs. */
  copy?: boolean;
  compression?: Compression;
  /** Replace an existing output file. */
  replace?: boolean;
  onRows?: (rows: number, total: number) => void;
}

export interface ExportResult {
  out: string;
  dialect: Dialect;
  snapshot: { file: string; seq: number; createdAt: string };
  seq: number;
  framesReplayed: number;
  tables: { name: string; rows: number }[];
  rows: number;
  bytes: number;
  /** What the script lacks (DDL the source had that is not recreated), or needs (a superuser on PostgreSQL). */
  warnings: string[];
  ms: number;
}

export async function exportSql(options: ExportOptions): Promise<ExportResult> {
  const started = performance.now();
  const store = existingStore(options.store);
  if (options.copy && options.dialect === "sqlite") throw new BackupError("BAD_USAGE", "--copy is PostgreSQL's COPY; SQLite has none", "leave out --copy, or export for postgres");
  const latest = options.snapshot === undefined || options.snapshot === "latest";
  const to = options.to === undefined ? undefined : pastInstant(options.to, { option: "to", timeZone: options.timeZone });
  const plan = await planRestore(store, { to, toSeq: options.toSeq, snapshot: latest ? undefined : options.snapshot, latest });
  const reader = await SnapshotReader.open(plan.snapshot.path);
  let output: ScriptOutput | null = null;
  try {
    const { header } = reader;
    const dialect = options.dialect ?? header.engine;
    if (options.copy && dialect !== "postgres") throw new BackupError("BAD_USAGE", "--copy is PostgreSQL's COPY; the export is for SQLite", "leave out --copy, or pass --dialect postgres");
    const warnings: string[] = [];
    const ddl = options.schema ? ddlAround(header.schema, header.ddl, dialect) : null;
    if (options.schema && !header.ddl) warnings.push("the snapshot does not describe its tables: the DDL has their columns and primary keys only");
    warnings.push(...(ddl?.notRecreated ?? []).map((n) => `not recreated: ${n}`));
    const order = reader.trailer.tables.map((t) => t.name);
    const replicaRole = dialect === "postgres" && !options.schema && !orderAcceptsForeignKeys(order, header.ddl);
    if (replicaRole) warnings.push("the tables' order does not satisfy their foreign keys: the script turns their checks off for its transaction (session_replication_role), which needs a superuser");
    const { overlay, frames } = await foldJournal(store, header.schema.tables, header.seq, plan.targetSeq);
    const batches = rowsAt(reader, overlay);
    output = ScriptOutput.open(options.out, options.compression ?? null, options.replace === true);
    const at = new Date(plan.targetAt ?? header.createdAt).toISOString();
    await output.lines([
      `-- stocktake-backup export-sql: the state after seq ${plan.targetSeq}${plan.frames > 0 ? "" : ` (snapshot ${plan.snapshot.file}, ${at})`}`,
      `-- from ${plan.snapshot.file} (seq ${header.seq}) plus ${frames} journal transaction(s); dialect ${dialect}, ${options.schema ? "tables and data" : "data only"}`,
      "-- every column is included, password hashes and keys as well: keep this file as safe as the database",
      ...warnings.map((w) => `-- warning: ${w}`),
      ...opening(dialect, replicaRole),
      ...(ddl?.before ?? []).map((s) => `${s};`),
    ]);
    const counts = new Map(order.map((n) => [n, 0]));
    let writer: TableRowsWriter | null = null;
    let written = 0;
    for await (const batch of batches) {
      if (writer?.table.name !== batch.table.name) {
        if (writer) await output.write(writer.end());
        writer = new TableRowsWriter(batch.table, header.engine, dialect, options.copy === true);
        await output.write(`\n-- ${batch.table.name}\n`);
      }
      await output.write(writer.write(batch.rows));
      counts.set(batch.table.name, counts.get(batch.table.name)! + batch.rows.length);
      written += batch.rows.length;
      options.onRows?.(written, reader.trailer.rows);
    }
    if (writer) await output.write(writer.end());
    await output.lines([
      "",
      ...(ddl?.after ?? []).map((s) => `${s};`),
      ...(dialect === "postgres" ? postgresCounters(order) : sqliteCounters(autoIncrementTables(header.schema, header.ddl))),
      ...closing(),
    ]);
    await output.finish();
    const tables = order.map((name) => ({ name, rows: counts.get(name)! }));
    return {
      out: options.out, dialect,
      snapshot: { file: plan.snapshot.file, seq: header.seq, createdAt: new Date(header.createdAt).toISOString() },
      seq: plan.targetSeq, framesReplayed: frames, tables, rows: written, bytes: output.bytes, warnings,
      ms: performance.now() - started,
    };
  } catch (error) {
    output?.abort();
    throw error;
  } finally {
    await reader.close();
  }
}
