/**
 * Journal compaction: the segments that end at or before the floor (the
 * oldest snapshot kept for restores) are removed, oldest first, so what is
 * left is always a gapless suffix; then every sealed segment is compressed
 * (compressSegment.ts). Sealed means: not the newest, and a later segment
 * holds a whole transaction, so the writer's recovery can never make it
 * the newest again and append to it. Damaged segments are left as they
 * are, so their errors keep naming the byte. Appends go on meanwhile: the
 * newest segment is never touched, and no lock is taken; every step is
 * idempotent, so two runs at once, or a run after a crash, end the same.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fsyncDir } from "../durable";
import { COMPRESSED_EXT } from "../journal/compressedSegment";
import { journalRange } from "../journal/reader";
import { journalDir } from "../journal/segment";
import { listSnapshots } from "../snapshot";
import { compressSegment, COMPACTION_LEVEL } from "./compressSegment";

export interface CompactionOptions {
  /** Segments ending at or before this seq are removed; null removes none. */
  floorSeq: number | null;
  /** Say what would be done, do nothing. */
  dryRun?: boolean;
  /** zstd level; default COMPACTION_LEVEL. */
  level?: number;
  /** Compress sealed segments; default true. */
  compress?: boolean;
  /** Called before each file is removed or compressed (tests: kill points). */
  onStep?: (step: string) => void;
}

export interface RemovedSegment { file: string; firstSeq: number; lastSeq: number; bytes: number }
export interface CompressedSegment { file: string; rawBytes: number; diskBytes: number | null }

export interface CompactionReport {
  removed: RemovedSegment[];
  /** diskBytes is null in a dry run. */
  compressed: CompressedSegment[];
  skipped: { file: string; reason: string }[];
  /** Bytes the removals and compressions gave back (removals only, in a dry run). */
  bytesFreed: number;
}

const TEMP = /\.seg\.zst\.tmp-(\d+)-[0-9a-f]+$/;

export async function compactJournal(store: string, options: CompactionOptions): Promise<CompactionReport> {
  const report: CompactionReport = { removed: [], compressed: [], skipped: [], bytesFreed: 0 };
  const dir = journalDir(store);
  if (!options.dryRun) removeDeadTemps(dir);
  const segments = journalRange(store)?.segments ?? [];
  let first = 0;
  // Removal: a segment holds seqs up to the next one's first seq - 1.
  for (; first < segments.length - 1; first++) {
    const s = segments[first];
    const lastSeq = segments[first + 1].firstSeq - 1;
    if (options.floorSeq === null || lastSeq > options.floorSeq) break;
    const files = [s.file.replace(/\.zst$/, ""), s.file.replace(/\.zst$/, "") + COMPRESSED_EXT].filter((f) => fs.existsSync(f));
    const bytes = files.reduce((n, f) => n + fs.statSync(f).size, 0);
    if (!options.dryRun) {
      options.onStep?.(`remove segment ${path.basename(s.file)}`);
      for (const f of files) fs.rmSync(f, { force: true });
      await fsyncDir(dir);
    }
    report.removed.push({ file: path.basename(s.file), firstSeq: s.firstSeq, lastSeq, bytes });
    report.bytesFreed += bytes;
  }
  let lastWhole = segments.length - 1;
  while (lastWhole >= 0 && !(segments[lastWhole].frames > 0 && segments[lastWhole].lastSeq >= segments[lastWhole].firstSeq)) lastWhole--;
  for (let i = first; i < lastWhole && options.compress !== false; i++) {
    const s = segments[i];
    if (s.compressed) continue;
    const name = path.basename(s.file);
    if (s.damage !== null) {
      report.skipped.push({ file: name, reason: `damaged, left as it is: ${s.damage}` });
      continue;
    }
    if (options.dryRun) {
      report.compressed.push({ file: name + COMPRESSED_EXT, rawBytes: s.rawBytes, diskBytes: null });
      continue;
    }
    try {
      options.onStep?.(`compress segment ${name}`);
      const c = await compressSegment(s.file, options.level ?? COMPACTION_LEVEL);
      report.compressed.push({ file: path.basename(c.file), rawBytes: c.rawBytes, diskBytes: c.diskBytes });
      report.bytesFreed += c.rawBytes - c.diskBytes;
    } catch (e) {
      // Compressed by a run beside this one: nothing to do.
      if ((e as NodeJS.ErrnoException).code === "ENOENT" && fs.existsSync(s.file + COMPRESSED_EXT)) continue;
      report.skipped.push({ file: name, reason: (e as Error).message });
    }
  }
  return report;
}

/**
 * For the scheduler, after a snapshot: compaction with the floor at the
 * oldest snapshot of the store (no retention: every snapshot stays, and
 * the journal each one needs). While a snapshot file cannot be read, its
 * seq is unknown, so no segment is removed.
 */
export async function compactAfterSnapshot(store: string): Promise<CompactionReport> {
  const { snapshots, broken } = await listSnapshots(store);
  const floorSeq = broken.length > 0 || snapshots.length === 0 ? null : Math.min(...snapshots.map((s) => s.seq));
  return compactJournal(store, { floorSeq });
}

/** Temp files of compressions that died (their process is gone). */
function removeDeadTemps(dir: string): void {
  for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    const m = TEMP.exec(name);
    if (m && !alive(Number(m[1]))) fs.rmSync(path.join(dir, name), { force: true });
  }
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
