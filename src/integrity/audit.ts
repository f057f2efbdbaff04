/**
 * audit: the rules over a replay. The snapshot at or before `from` is read
 * as one state, then every transaction of the journal up to `to`, each
 * closed by a commit; every finding is reported once, with the seq and
 * commit time of the transaction at which it began to hold, the rows that
 * transaction changed, and the seq at which it stopped holding, if it did.
 * The rules keep their state in their spill, so nothing is written to any
 * database, and the store is only read (I8).
 */
import { BackupError } from "../errors";
import { seqAtTime } from "../journal/coverage";
import { readFrames } from "../journal/reader";
import { planRestore } from "../restore/plan";
import { listSnapshots, SnapshotReader } from "../snapshot";
import { existingStore } from "../store";
import { type Episode, EpisodeBook } from "./episodes";
import type { Rule } from "./rule";
import type { Secrets } from "../secrets";
import { ruleSchemaOf } from "./ruleSchema";
import { RuleRun } from "./run";
import { feedSnapshotRows } from "./snapshotRows";

/** A point of the journal: a seq, or an instant (ms since the epoch). */
export type AuditPoint = { seq: number } | { time: number };

export interface AuditOptions {
  store?: string;
  rules: readonly Rule[];
  /** Report findings that held at or after this point; the replay starts at the newest snapshot at or before it. Default: the oldest snapshot. */
  from?: AuditPoint;
  /** Replay up to this point; default the end of the journal. */
  to?: AuditPoint;
  onProgress?: (progress: { phase: "load" | "replay"; seq: number; toSeq: number }) => void;
  /** Columns whose values messages show as `<redacted>`; default src/secrets.ts's list and $BACKUP_SECRET_COLUMNS. */
  secrets?: Secrets;
}

export interface AuditResult {
  snapshot: { file: string; seq: number; createdAt: string };
  fromSeq: number;
  toSeq: number;
  framesReplayed: number;
  rowsLoaded: number;
  rules: string[];
  findings: Episode[];
  findingsTotal: number;
  /** Findings still holding at toSeq. */
  open: number;
  ms: number;
}

function seqOf(store: string, point: AuditPoint | undefined): number | undefined {
  if (point === undefined) return undefined;
  if ("seq" in point) return point.seq;
  return seqAtTime(store, point.time, 0)?.seq ?? 0;
}

export async function audit(options: AuditOptions): Promise<AuditResult> {
  const started = performance.now();
  const store = existingStore(options.store);
  const fromSeq = seqOf(store, options.from);
  const { snapshots } = await listSnapshots(store);
  const usable = snapshots.filter((s) => s.kind !== "safety").sort((a, b) => a.seq - b.seq);
  if (usable.length === 0) throw new BackupError("NOT_FOUND", `no snapshots in ${store}`, "an audit starts from a snapshot: take one with `backup`");
  const start = fromSeq === undefined ? usable[0] : [...usable].reverse().find((s) => s.seq <= fromSeq);
  if (!start) {
    throw new BackupError("OUT_OF_RANGE", `--from seq ${fromSeq} is before the oldest snapshot (seq ${usable[0].seq})`,
      `audit from seq ${usable[0].seq} or later`);
  }
  const to = options.to;
  const plan = await planRestore(store, to === undefined ? { snapshot: start.file, latest: false, toSeq: undefined }
    : "seq" in to ? { snapshot: start.file, toSeq: to.seq } : { snapshot: start.file, to: to.time });
  const toSeq = to === undefined ? Math.max(plan.journalEnd?.lastSeq ?? start.seq, start.seq) : plan.targetSeq;
  const reader = await SnapshotReader.open(plan.snapshot.path);
  const book = new EpisodeBook(reader.header.seq, Math.max(fromSeq ?? 0, 0));
  let frames = 0;
  let rowsLoaded = 0;
  try {
    const { header } = reader;
    const run = new RuleRun(options.rules, ruleSchemaOf(header.schema, header.ddl, options.secrets), "replay", book.verdict);
    try {
      await feedSnapshotRows(reader, run, "load", (_table, n) => {
        rowsLoaded += n;
        options.onProgress?.({ phase: "load", seq: header.seq, toSeq });
      });
      run.commit(header.seq, header.createdAt);
      book.commit(header.seq);
      let expected = header.seq + 1;
      if (toSeq > header.seq) {
        for (const frame of readFrames(store, { fromSeq: header.seq + 1, toSeq })) {
          if (frame.seq !== expected && !(frame.seq === expected - 1 && (frame.part ?? 0) > 0)) {
            throw new BackupError("JOURNAL_GAP", `the journal in ${store} jumps from seq ${expected - 1} to ${frame.seq}`, "audit up to the seq before the gap (--to)");
          }
          for (const c of frame.changes) {
            book.change({ table: c.table, op: c.op, key: c.key });
            run.row({ table: c.table, op: c.op, seq: frame.seq, at: frame.at, before: c.before, after: c.after });
          }
          if (frame.more) { expected = frame.seq + 1; continue; }
          run.commit(frame.seq, frame.at);
          book.commit(frame.seq);
          frames++;
          expected = frame.seq + 1;
          options.onProgress?.({ phase: "replay", seq: frame.seq, toSeq });
          if (frame.seq === toSeq) break;
        }
      }
    } finally {
      run.close();
    }
    book.finish();
    return {
      snapshot: { file: plan.snapshot.file, seq: header.seq, createdAt: new Date(header.createdAt).toISOString() },
      fromSeq: fromSeq ?? header.seq,
      toSeq,
      framesReplayed: frames,
      rowsLoaded,
      rules: options.rules.map((r) => r.name),
      findings: book.episodes,
      findingsTotal: book.total,
      open: book.episodes.filter((e) => e.fixedSeq === null).length,
      ms: performance.now() - started,
    };
  } finally {
    book.dispose();
    await reader.close();
  }
}
