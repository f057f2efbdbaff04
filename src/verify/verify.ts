/**
 * verify: does the journal still describe the live database? Inside one
 * consistent read of the live database (at seq S), the newest snapshot is
 * replayed to S into a scratch database, and the two are compared table by
 * table. Frames the app committed but has not shipped yet are read from the
 * database's outbox, without shipping them. Drift means changes the capture
 * did not see (SQL run outside it, a restore from another tool, a trigger
 * dropped), which a restore would silently lose. Changes nothing (I8) but
 * the plugin's bookkeeping tables, which the capture dialect makes sure of.
 */
import type { DataSource } from "typeorm";
import { resolveStoreDir } from "../store";
import { createDialect } from "../capture/createDialect";
import { readDatabaseIdentity } from "../capture/identityTable";
import { readStoreIdentity } from "../storeIdentity";
import type { CaptureDialect } from "../capture/dialect";
import { BackupError } from "../errors";
import type { Frame } from "../journal/types";
import type { DatabaseSchema, TableSchema } from "../db/types";
import { readSchema } from "../db/catalog";
import { schemaDifferences } from "../schema";
import { listSnapshots, readInfo } from "../snapshot";
import { journalEnd } from "../journal/coverage";
import { compareTable, keyOrder, type TableDrift } from "./drift";
import { restore } from "../restore/execute";
import { loadWithForeignKeysOff } from "../restore/foreignKeys";
import { planRestore } from "../restore/plan";
import { applyFrame } from "../restore/rowWriter";
import { openInPlace, type Target } from "../restore/target";
import { createReader } from "../reader";
import { openScratch } from "../restore/scratchTarget";

export interface VerifyOptions {
  store?: string;
  /** The live database: URL, path or DataSource. */
  source: string | DataSource;
  /** How long to wait for the running app to ship the latest commits before reading them from the outbox (default 2000 ms). */
  waitMs?: number;
  onProgress?: (progress: { phase: "replay" | "compare"; table?: string; done: number; total: number }) => void;
}

export interface VerifyResult {
  /** True when every table matches. */
  ok: boolean;
  /** The live database's seq the comparison was made at. */
  seq: number;
  snapshot: string;
  framesReplayed: number;
  /** Of those, frames read from the database's outbox (not shipped to the journal yet). */
  fromOutbox: number;
  tables: TableDrift[];
  ms: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function verifyJournal(options: VerifyOptions): Promise<VerifyResult> {
  const started = performance.now();
  const store = resolveStoreDir(options.store);
  const plan = await planRestore(store, { latest: true });
  const schema = (await readInfo(plan.snapshot.path)).header.schema;
  const names = schema.tables.map((t) => t.name);
  const live = await openInPlace(options.source);
  let scratch: Target | null = null;
  const dialects: CaptureDialect[] = [];
  try {
    const database = await readDatabaseIdentity(live.dataSource, live.engine);
    if (database === null) {
      throw new BackupError("NOT_FOUND", `the changelog was never attached to ${live.display}: no journal describes it`,
        "attach the app (attachChangelog) or take a snapshot with `backup --install`, then verify");
    }
    const storeDb = (await readStoreIdentity(store))?.databaseId;
    if (storeDb && storeDb !== database.databaseId) {
      throw new BackupError("STORE_MISMATCH", `${live.display} is database ${database.databaseId.slice(0, 8)}, but store ${store} holds database ${storeDb.slice(0, 8)}`,
        "verify a database against its own store (--dir, --db)");
    }
    const dialect = await createDialect(live.dataSource);
    dialects.push(dialect);
    const liveReader = createReader(live.dataSource);
    const liveSchema = await liveReader.readSchema(names);
    const differences = schemaDifferences(schema, liveSchema, { backup: "the snapshot", target: live.display });
    if (differences.length > 0) {
      throw new BackupError("SCHEMA_MISMATCH", `the schema of ${live.display} differs from the newest snapshot's: ${differences.join("; ")}`,
        "take a new snapshot after a migration (backup), then verify");
    }
    // The outbox's layouts, to read what the app committed and has not shipped yet.
    await dialect.preparePluginTables(liveSchema);
    scratch = await openScratch(live.engine, live.engine === "postgres" ? live.location : undefined, store);
    const target = scratch;
    return await liveReader.readConsistent(async (liveView) => {
      const seq = liveView.seq;
      const journalTo = await journalReaching(store, seq, options.waitMs ?? 2000);
      // From the newest snapshot at or before seq: to the journal's end, then from the outbox.
      const bases = (await listSnapshots(store)).snapshots.filter((x) => x.seq <= seq).map((x) => x.seq);
      if (bases.length === 0) throw new BackupError("OUT_OF_RANGE", `no snapshot in ${store} is at or before seq ${seq}`, "take a snapshot (backup), then verify");
      const restored = await restore({
        store, toSeq: Math.max(journalTo, ...bases), target: target.location,
        onProgress: (p) => options.onProgress?.({ phase: "replay", done: p.rows + p.frames, total: p.totalRows + p.totalFrames }),
      });
      const pending = restored.seqReached < seq ? await applyOutbox(dialect, target, restored.seqReached, seq) : 0;

      const runner = target.dataSource.createQueryRunner();
      try {
        const tables: TableDrift[] = [];
        await createReader(target.dataSource).readConsistent(async (replayed) => {
          for (const [i, table] of liveSchema.tables.entries()) {
            options.onProgress?.({ phase: "compare", table: table.name, done: i, total: liveSchema.tables.length });
            tables.push(await compareTable(table, liveView.batches(table.name, 1000), replayed.batches(table.name, 1000), keyOrder(runner, live.engine, table)));
          }
        }, liveSchema);
        return {
          ok: tables.every((t) => t.missing + t.extra + t.different === 0),
          seq,
          snapshot: restored.snapshot.file,
          framesReplayed: restored.framesReplayed + pending,
          fromOutbox: pending,
          tables,
          ms: performance.now() - started,
        };
      } finally {
        await runner.release();
      }
    }, liveSchema);
  } finally {
    for (const d of dialects.reverse()) await d.close().catch(() => undefined);
    await scratch?.discard();
    await live.discard();
  }
}

/** The journal's last seq, once it reaches `seq` or `waitMs` passed (the running app ships within its group window). */
async function journalReaching(store: string, seq: number, waitMs: number): Promise<number> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const last = journalEnd(store)?.lastSeq ?? 0;
    if (last >= seq || Date.now() >= deadline) return Math.min(last, seq);
    await sleep(100);
  }
}

/**
 * Applies the committed transactions after `afterSeq` up to `toSeq` that are
 * still in the database's outbox (read, not shipped), streamed frame by
 * frame; returns how many transactions. A seq missing from the outbox is a
 * gap: the app may have shipped and pruned it meanwhile.
 */
async function applyOutbox(dialect: CaptureDialect, target: Target, afterSeq: number, toSeq: number): Promise<number> {
  const runner = target.dataSource.createQueryRunner();
  let expected = afterSeq + 1;
  try {
    await loadWithForeignKeysOff(runner, target.engine, async () => {
      const tables = new Map<string, TableSchema>();
      const limits = { transactions: toSeq - afterSeq, changesPerFrame: 2000 };
      for await (const frame of dialect.committedFrames(afterSeq, limits)) {
        if (frame.seq > toSeq) break;
        if (frame.seq !== expected) break;
        for (const name of frameTables([frame])) {
          if (!tables.has(name)) for (const t of (await readSchema(runner, target.engine, [name])).tables) tables.set(t.name, t);
        }
        await applyFrame(runner, target.engine, [...tables.values()], frame);
        if (!frame.more) expected++;
      }
      if (expected !== toSeq + 1) {
        throw new BackupError("JOURNAL_GAP", `seqs ${expected}..${toSeq} are neither in the journal nor in the database's outbox`,
          "the app may have shipped them meanwhile: run verify again");
      }
    }, { allowViolations: true });
  } finally {
    await runner.release();
  }
  return toSeq - afterSeq;
}

function frameTables(frames: Frame[]): string[] {
  return [...new Set(frames.flatMap((f) => f.changes.map((c) => c.table)))];
}

export type { DatabaseSchema };
