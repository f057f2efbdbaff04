/**
 * `cleanup`: retention, then journal compaction, in the one order that a
 * crash cannot make unsafe. Snapshots the policy lets go are removed first
 * (the journal they would need is still whole, so what is left restores to
 * at least every instant it did); then the segments before the oldest kept
 * snapshot; then the sealed segments are compressed. At every point, every
 * instant of the window stays restorable, and what remains is a superset of
 * what the finished run leaves, which a new run completes.
 */
import { promises as fs } from "node:fs";
import { join } from "node:path";
import { fsyncDir } from "../durable";
import { journalRange } from "../journal/reader";
import { restorableSpans, type RestorableSpan } from "../restore/spans";
import { listSnapshots, rebuildManifest, type BrokenSnapshot, type ManifestEntry } from "../snapshot";
import { compactJournal, type CompactionReport } from "./compaction";
import { decideRetention, journalFloor, type Decision } from "./retention";
import type { RetentionPolicy } from "./retentionPolicy";

export interface CleanupOptions {
  policy: RetentionPolicy;
  /** The time the window ends at (ms); default now. */
  now?: number;
  dryRun?: boolean;
  /** Compress sealed segments too; default true. */
  compress?: boolean;
  /** Called before each file is removed or compressed (tests: kill points). */
  onStep?: (step: string) => void;
}

export interface CleanupReport {
  store: string;
  dryRun: boolean;
  now: number;
  policy: RetentionPolicy;
  windowStart: number | null;
  /** Every readable snapshot, oldest first, kept or not, with why. */
  decisions: Decision<ManifestEntry>[];
  removedSnapshots: ManifestEntry[];
  /** Snapshot files that cannot be read: never removed; while there are any, no segment is removed either. */
  broken: BrokenSnapshot[];
  /** The seq the journal is kept from; null when nothing is removed from it. */
  journalFloor: number | null;
  journal: CompactionReport;
  /** Removed snapshots, removed segments and what compression saved. */
  bytesFreed: number;
  /** What a restore can reach once the run is done (list shows the same). */
  restorable: RestorableSpan[];
}

export async function cleanupStore(store: string, options: CleanupOptions): Promise<CleanupReport> {
  const now = options.now ?? Date.now();
  const { snapshots, broken } = await listSnapshots(store);
  const decision = decideRetention(snapshots, options.policy, now);
  const removedSnapshots = decision.decisions.filter((d) => !d.keep).map((d) => d.snapshot);
  if (!options.dryRun && removedSnapshots.length > 0) {
    for (const s of removedSnapshots) {
      options.onStep?.(`remove snapshot ${s.file}`);
      await fs.rm(join(store, s.file), { force: true });
    }
    await fsyncDir(store);
    await rebuildManifest(store);
  }
  const floor = broken.length > 0 ? null : journalFloor(decision);
  const journal = await compactJournal(store, { floorSeq: floor, dryRun: options.dryRun, compress: options.compress, onStep: options.onStep });
  const kept = decision.decisions.filter((d) => d.keep).map((d) => d.snapshot);
  return {
    store, dryRun: options.dryRun === true, now, policy: options.policy, windowStart: decision.windowStart,
    decisions: decision.decisions, removedSnapshots, broken, journalFloor: floor, journal,
    bytesFreed: removedSnapshots.reduce((n, s) => n + s.bytes, 0) + journal.bytesFreed,
    restorable: restorableSpans(kept, journalRange(store)),
  };
}
