/**
 * restore(): plan, pick the target, then one transaction that creates the
 * tables if needed, loads the snapshot, replays the journal, resets the
 * counters and checks the result, committed only when all of it succeeded
 * (I4). A new database gets its name only after that commit; in place, a
 * safety snapshot of what is replaced is taken first. A dry run does the
 * same into a scratch database that is removed afterwards, and never touches
 * the target or the store (I8).
 */
import { existsSync, statSync } from "node:fs";
import * as path from "node:path";
import type { DataSource } from "typeorm";
import { resolveStoreDir } from "../attach";
import { createDialect } from "../capture/createDialect";
import { BackupError } from "../errors";
import type { DatabaseSchema } from "../journal/types";
import { isSchemaDdl, portableStatements, readSchemaOn, schemaDifferences } from "../schema";
import { existingTables } from "../schema/readSchema";
import { SnapshotReader, type SnapshotHeader } from "../snapshot";
import { takeSnapshot } from "../snapshot/take";
import { captureDuringRestore, type CaptureDuringRestore } from "./capture";
import { compareCounts, countRowsIn } from "./checks";
import { type Finding, RowEventStream, type RowEventRule, rowCounts } from "./events";
import { loadWithForeignKeysOff } from "./foreignKeys";
import { type LoadContext, loadSnapshot, replayJournal } from "./load";
import { planRestore, type RestorePlan } from "./plan";
import { resetSequences } from "./sequences";
import { quoteIdent as q } from "./sql";
import {
  defaultTarget, engineOfUrl, locationOf, openInPlace, openNewTarget, openScratch, redactUrl, type Target, type TargetMode,
} from "./target";

export interface RestoreOptions {
  /** The backup store; default $BACKUP_DIR, else ./snapshots. */
  store?: string;
  /** Restore the state after the last transaction committed at or before this instant (ISO 8601 text, Date or ms). */
  to?: string | Date | number;
  /** Restore the state after this journal sequence number. */
  toSeq?: number;
  /** Start from this snapshot file (path or file name in the store), or "latest". Alone: that snapshot's own state. */
  snapshot?: string;
  /** The newest snapshot replayed to the end of the journal: the most recent state the store holds (the default). */
  latest?: boolean;
  /**
   * Where to restore: a SQLite path or `file:` URL, or a postgres:// URL, that
   * does not exist yet or is empty. Default: a new database for a point in
   * time; the source database itself (in place) for a snapshot file alone.
   */
  target?: string;
  /** In place: replace the rows of the source database, after a safety snapshot of them. */
  clearExisting?: boolean;
  /** Plan, check and replay into a scratch database; change nothing. */
  dryRun?: boolean;
  /** Skip the checks after the load (row counts, foreign keys). */
  skipValidation?: boolean;
  /** The live database (URL, path or DataSource): the in-place target, and the server a default PostgreSQL target is created on. */
  source?: string | DataSource;
  /** Integrity rules run over the restore's row events; their findings are reported, not enforced. */
  rules?: RowEventRule[];
  onProgress?: (progress: RestoreProgress) => void;
}

export interface RestoreProgress {
  phase: "safety" | "load" | "replay" | "check";
  table?: string;
  rows: number;
  totalRows: number;
  frames: number;
  totalFrames: number;
}

export interface RestoreResult extends RestoreOutcome {
  dryRun: boolean;
  /** The database restored into (for a dry run: the one a real run would write). */
  target: string;
  mode: TargetMode;
  snapshot: { file: string; path: string; kind: string; seq: number; createdAt: string };
  ms: number;
}

type Destination = { kind: "in-place"; source: string | DataSource } | { kind: "new"; location: string };

export async function restore(options: RestoreOptions = {}): Promise<RestoreResult> {
  const started = performance.now();
  const store = requireStore(options.store);
  const latest = options.latest || options.snapshot === "latest";
  const plan = await planRestore(store, {
    to: options.to === undefined ? undefined : parseInstant(options.to),
    toSeq: options.toSeq,
    snapshot: latest ? undefined : options.snapshot,
    latest,
  });
  const reader = await SnapshotReader.open(plan.snapshot.path);
  try {
    const destination = await chooseDestination(options, plan, reader.header.engine, store);
    if (options.dryRun && destination.kind === "in-place") await dryRunInPlaceChecks(destination.source, reader.header, options);
    const target = options.dryRun ? await scratchFor(destination, reader.header.engine) : await openDestination(destination);
    try {
      const outcome = await loadInto(target, reader, plan, options, store);
      await target.publish();
      const display = destination.kind === "new" ? displayOf(destination.location) : target.display;
      return {
        ...outcome,
        dryRun: options.dryRun === true,
        target: options.dryRun ? (destination.kind === "new" ? display : displayOf(sourceLocation(destination.source))) : display,
        mode: options.dryRun ? (destination.kind === "new" ? "new" : "in-place") : target.mode,
        snapshot: { file: plan.snapshot.file, path: plan.snapshot.path, kind: plan.snapshot.kind, seq: plan.snapshot.seq, createdAt: new Date(plan.snapshot.createdAt).toISOString() },
        ms: performance.now() - started,
      };
    } catch (error) {
      await target.discard().catch(() => undefined);
      throw error;
    }
  } finally {
    await reader.close();
  }
}

function requireStore(dir: string | undefined): string {
  const store = resolveStoreDir(dir);
  if (!existsSync(store) || !statSync(store).isDirectory()) {
    throw new BackupError("NOT_FOUND", `backup store ${store} does not exist`, "pass the app's store with --dir or $BACKUP_DIR");
  }
  return store;
}

export function parseInstant(value: string | Date | number): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === "number" ? value : Date.parse(value);
  if (!Number.isFinite(ms)) {
    throw new BackupError("BAD_INPUT", `--to "${String(value)}" is not an ISO 8601 instant`, "for example --to 2026-11-26T14:05:00Z");
  }
  return ms;
}

function sourceLocation(source: string | DataSource): string {
  return typeof source === "string" ? source : locationOf(source);
}

function displayOf(location: string): string {
  return engineOfUrl(location) === "postgres" ? redactUrl(location) : path.resolve(location.replace(/^file:/, "").split("?")[0]);
}

/** Two locations naming the same database: the same file, or the same server and database name. */
function sameDatabase(a: string, b: string): boolean {
  if (engineOfUrl(a) !== engineOfUrl(b)) return false;
  if (engineOfUrl(a) === "sqlite") return displayOf(a) === displayOf(b);
  const x = new URL(a);
  const y = new URL(b);
  return x.hostname === y.hostname && (x.port || "5432") === (y.port || "5432") && x.pathname === y.pathname;
}

async function chooseDestination(options: RestoreOptions, plan: RestorePlan, snapshotEngine: DatabaseSchema["engine"], store: string): Promise<Destination> {
  const source = options.source;
  const sourceUrl = source === undefined ? undefined : sourceLocation(source);
  if (options.target !== undefined) {
    if (sourceUrl !== undefined && sameDatabase(options.target, sourceUrl)) return { kind: "in-place", source: source! };
    if (options.clearExisting) {
      throw new BackupError("BAD_USAGE", "--clear-existing restores in place, into the source database, not into --target",
        "drop --clear-existing to restore into the new database, or --target to restore in place");
    }
    return { kind: "new", location: options.target };
  }
  if (options.clearExisting || !plan.pointInTime) {
    if (source === undefined) {
      throw new BackupError("BAD_USAGE", "an in-place restore needs the database to restore into",
        "pass --db (or set DATABASE_URL), or --target for a new database");
    }
    return { kind: "in-place", source };
  }
  const engine = sourceUrl !== undefined ? engineOfUrl(sourceUrl) : snapshotEngine;
  return { kind: "new", location: await defaultTarget(engine, store, plan.targetSeq, plan.targetAt ?? Date.now(), sourceUrl) };
}

async function openDestination(destination: Destination): Promise<Target> {
  return destination.kind === "new" ? openNewTarget(destination.location) : openInPlace(destination.source);
}

/** A dry run replays into a scratch database of the target's engine (on its server); SQLite when no server is known. */
async function scratchFor(destination: Destination, snapshotEngine: DatabaseSchema["engine"]): Promise<Target> {
  const location = destination.kind === "new" ? destination.location : sourceLocation(destination.source);
  const engine = location ? engineOfUrl(location) : snapshotEngine;
  return engine === "postgres" ? openScratch("postgres", location) : openScratch("sqlite");
}

/** What the load, the replay and the checks produced. */
export interface RestoreOutcome {
  /** False when a check or rule found an error (the data was still committed only if validation was skipped). */
  success: boolean;
  seqReached: number;
  /** Commit time of seqReached when a frame was replayed, else the snapshot's creation time. */
  atReached: string;
  rowsPerTable: Record<string, number>;
  rows: number;
  framesReplayed: number;
  /** The snapshot taken of the replaced rows (in place only). */
  safetySnapshot: string | null;
  findings: Finding[];
}

async function loadInto(target: Target, reader: SnapshotReader, plan: RestorePlan, options: RestoreOptions, store: string): Promise<RestoreOutcome> {
  const { header } = reader;
  const ds = target.dataSource;
  const engine = target.engine;
  const names = header.schema.tables.map((t) => t.name);
  const progress = { rows: 0, totalRows: reader.trailer.rows, frames: 0, totalFrames: plan.frames };
  const report = (phase: RestoreProgress["phase"], table?: string) => options.onProgress?.({ phase, table, ...progress });
  const findings: Finding[] = [];
  let safetySnapshot: string | null = null;
  let capture: CaptureDuringRestore = { begin: async () => undefined, end: async () => undefined };
  let clear = false;

  if (target.mode === "in-place") {
    const { live, occupied } = await inspectInPlace(target, header, options);
    if (occupied.length > 0) {
      clear = true;
      report("safety");
      safetySnapshot = await takeSafetySnapshot(ds, live, store);
    }
    capture = await captureDuringRestore(ds, live);
  }

  const stream = new RowEventStream();
  let expected = new Map<string, number>();
  // A failed restore errors the stream; that error is the restore's to report, not the subscriber's.
  rowCounts(stream.events).subscribe({ next: (counts) => { expected = counts; }, error: () => undefined });
  const ruleFindings = (options.rules ?? []).map((rule) => stream.collect(rule));
  const runner = ds.createQueryRunner();
  await runner.connect();
  try {
    const { result } = await loadWithForeignKeysOff(runner, engine, async () => {
      const tables = await prepareTables(runner, engine, header, names, findings);
      const ctx: LoadContext = { runner, engine, tables, stream };
      await capture.begin(runner);
      if (clear) for (const name of [...names].reverse()) await runner.query(`DELETE FROM ${q(name)}`);
      report("load");
      await loadSnapshot(ctx, reader, (table, rows) => { progress.rows += rows; report("load", table); });
      const replayed = await replayJournal(ctx, plan.store, header.seq, plan.targetSeq, () => { progress.frames++; report("replay"); });
      stream.complete();
      await resetSequences(runner, engine);
      await capture.end(runner);
      let actual: Map<string, number> | null = null;
      if (!options.skipValidation) {
        report("check");
        actual = await countRowsIn(runner, names);
        const wrong = compareCounts(expected, actual);
        if (wrong.length > 0) {
          throw new BackupError("INTERNAL", `the restored data does not add up: ${wrong.map((f) => f.message).join("; ")}`,
            "nothing was changed; report this, with the snapshot and journal");
        }
      }
      return { replayed, actual };
    }, { skipCheck: options.skipValidation });
    const counts = result.actual ?? expected;
    const rowsPerTable = Object.fromEntries(names.map((n) => [n, counts.get(n) ?? 0]));
    findings.push(...ruleFindings.flat());
    const last = result.replayed.last;
    return {
      success: !findings.some((f) => f.severity === "error"),
      seqReached: plan.targetSeq,
      atReached: new Date(last?.at ?? header.createdAt).toISOString(),
      rowsPerTable,
      rows: Object.values(rowsPerTable).reduce((a, b) => a + b, 0),
      framesReplayed: result.replayed.frames,
      safetySnapshot,
      findings,
    };
  } catch (error) {
    stream.fail(error);
    throw error;
  } finally {
    await runner.release();
  }
}

/** The live database must have the snapshot's tables, and be empty unless --clear-existing. */
async function inspectInPlace(target: Target, header: SnapshotHeader, options: RestoreOptions): Promise<{ live: DatabaseSchema; occupied: string[] }> {
  const names = header.schema.tables.map((t) => t.name);
  const live = await readSchemaOf(target.dataSource, target.engine, names);
  requireSameSchema(header.schema, live, target.display);
  const occupied = await tablesWithRows(target.dataSource, names);
  if (occupied.length > 0 && !options.clearExisting) {
    throw new BackupError("TARGET_NOT_EMPTY", `${target.display} is not empty: ${occupied.map((t) => `"${t}"`).join(", ")} hold rows`,
      "add --clear-existing to replace them (a safety snapshot is taken first), or restore into a new database with --target");
  }
  return { live, occupied };
}

/** A dry run of an in-place restore reads the live database for the same refusals, and writes nothing. */
async function dryRunInPlaceChecks(source: string | DataSource, header: SnapshotHeader, options: RestoreOptions): Promise<void> {
  const target = await openInPlace(source);
  try {
    await inspectInPlace(target, header, options);
  } finally {
    await target.discard();
  }
}

async function readSchemaOf(ds: DataSource, engine: DatabaseSchema["engine"], tables: string[]): Promise<DatabaseSchema> {
  const runner = ds.createQueryRunner();
  try {
    return await readSchemaOn(runner, engine, tables);
  } finally {
    await runner.release();
  }
}

function requireSameSchema(backup: DatabaseSchema, target: DatabaseSchema, display: string): void {
  const differences = schemaDifferences(backup, target, { backup: "the snapshot", target: display });
  if (differences.length > 0) {
    throw new BackupError("SCHEMA_MISMATCH", `the schema of ${display} differs from the snapshot's: ${differences.join("; ")}`,
      "restore into a new database (--target), or migrate the database to the snapshot's schema first");
  }
}

async function tablesWithRows(ds: DataSource, tables: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const table of tables) {
    const rows: unknown[] = await ds.query(`SELECT 1 FROM ${q(table)} LIMIT 1`);
    if (rows.length > 0) out.push(table);
  }
  return out;
}

/** What an in-place restore replaces, kept as a snapshot of kind "safety" in the store. */
async function takeSafetySnapshot(ds: DataSource, schema: DatabaseSchema, store: string): Promise<string> {
  const dialect = await createDialect(ds);
  try {
    await dialect.prepare(schema);
    return (await takeSnapshot(dialect, schema, store, { kind: "safety" })).path;
  } finally {
    await dialect.close();
  }
}

/**
 * Creates the snapshot's tables when the target has none of them, from the
 * snapshot's DDL (or statements generated for the other engine), inside the
 * load transaction; then checks the target's tables are the snapshot's.
 */
async function prepareTables(runner: LoadContext["runner"], engine: DatabaseSchema["engine"], header: SnapshotHeader, names: string[],
  findings: Finding[]): Promise<LoadContext["tables"]> {
  const present = await existingTables(runner, engine, names);
  if (present.length === 0) {
    const ddl = isSchemaDdl(header.ddl) ? header.ddl : undefined;
    if (!ddl) {
      findings.push({ rule: "schema", severity: "warning", message: "the snapshot carries no DDL: tables were created with their columns and primary keys only (no defaults, indexes or foreign keys)" });
    }
    const statements = ddl && ddl.engine === engine ? ddl.statements : portableStatements(header.schema, ddl, engine);
    for (const sql of statements) await runner.query(sql);
  }
  const schema = await readSchemaOn(runner, engine, names);
  requireSameSchema(header.schema, schema, "the target");
  return new Map(schema.tables.map((t) => [t.name, t]));
}
