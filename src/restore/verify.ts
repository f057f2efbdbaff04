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
import { resolveStoreDir } from "../attach";
import { createDialect } from "../capture/createDialect";
import type { CaptureDialect } from "../capture/dialect";
import { BackupError } from "../errors";
import type { DatabaseSchema, Frame } from "../journal/types";
import { readSchemaOn, schemaDifferences } from "../schema";
import { listSnapshots, readInfo } from "../snapshot";
import { journalEnd } from "./coverage";
import { compareTable, keyOrder, type TableDrift } from "./drift";
import { restore } from "./execute";
import { loadWithForeignKeysOff } from "./foreignKeys";
import { planRestore } from "./plan";
import { applyFrame } from "./rowWriter";
import { openInPlace, openScratch, type Target } from "./target";

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
    const dialect = await createDialect(live.dataSource);
    dialects.push(dialect);
    const liveSchema = await dialect.readSchema(names);
    const differences = schemaDifferences(schema, liveSchema, { backup: "the snapshot", target: live.display });
    if (differences.length > 0) {
      throw new BackupError("SCHEMA_MISMATCH", `the schema of ${live.display} differs from the newest snapshot's: ${differences.join("; ")}`,
        "take a new snapshot after a migration (backup), then verify");
    }
    await dialect.prepare(liveSchema);
    scratch = await openScratch(live.engine, live.engine === "postgres" ? live.location : undefined);
    const target = scratch;
    return await dialect.readConsistent(async (reader) => {
      const seq = reader.seq;
      const journalTo = await journalReaching(store, seq, options.waitMs ?? 2000);
      // From the newest snapshot at or before seq: to the journal's end, then from the outbox.
      const bases = (await listSnapshots(store)).snapshots.filter((x) => x.seq <= seq).map((x) => x.seq);
      if (bases.length === 0) throw new BackupError("OUT_OF_RANGE", `no snapshot in ${store} is at or before seq ${seq}`, "take a snapshot (backup), then verify");
      const restored = await restore({
        store, toSeq: Math.max(journalTo, ...bases), target: target.location,
        onProgress: (p) => options.onProgress?.({ phase: "replay", done: p.rows + p.frames, total: p.totalRows + p.totalFrames }),
      });
      const pending = restored.seqReached < seq ? await outboxFrames(dialect, restored.seqReached, seq) : [];
      if (pending.length > 0) await applyPending(target, pending);

      const scratchDialect = await createDialect(target.dataSource);
      dialects.push(scratchDialect);
      await scratchDialect.prepare(liveSchema);
      const runner = target.dataSource.createQueryRunner();
      try {
        const tables: TableDrift[] = [];
        await scratchDialect.readConsistent(async (replayed) => {
          for (const [i, table] of liveSchema.tables.entries()) {
            options.onProgress?.({ phase: "compare", table: table.name, done: i, total: liveSchema.tables.length });
            tables.push(await compareTable(table, reader.batches(table.name, 1000), replayed.batches(table.name, 1000), keyOrder(runner, live.engine, table)));
          }
        }, liveSchema);
        return {
          ok: tables.every((t) => t.missing + t.extra + t.different === 0),
          seq,
          snapshot: restored.snapshot.file,
          framesReplayed: restored.framesReplayed + pending.length,
          fromOutbox: pending.length,
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

/** Committed frames after `afterSeq` up to `toSeq`, still in the database's outbox; read, not shipped. */
async function outboxFrames(dialect: CaptureDialect, afterSeq: number, toSeq: number): Promise<Frame[]> {
  const frames = (await dialect.readCommitted(afterSeq, toSeq - afterSeq)).filter((f) => f.seq <= toSeq);
  if (frames.length !== toSeq - afterSeq || frames.some((f, i) => f.seq !== afterSeq + 1 + i)) {
    throw new BackupError("JOURNAL_GAP", `seqs ${afterSeq + 1}..${toSeq} are neither in the journal nor in the database's outbox`,
      "the app may have shipped them meanwhile: run verify again");
  }
  return frames;
}

async function applyPending(target: Target, frames: Frame[]): Promise<void> {
  const runner = target.dataSource.createQueryRunner();
  try {
    await loadWithForeignKeysOff(runner, target.engine, async () => {
      const tables = (await readSchemaOn(runner, target.engine, frameTables(frames))).tables;
      for (const frame of frames) await applyFrame(runner, target.engine, tables, frame);
    }, { allowViolations: true });
  } finally {
    await runner.release();
  }
}

function frameTables(frames: Frame[]): string[] {
  return [...new Set(frames.flatMap((f) => f.changes.map((c) => c.table)))];
}

export type { DatabaseSchema };
