/**
 * Which snapshot a restore loads and how far it replays the journal, decided
 * before anything is written. A snapshot holds the state after transaction
 * `seq`; an instant T means the state after the last transaction committed
 * at or before T. The plan takes the newest snapshot at or before the target
 * seq and checks that the journal holds every frame between the two.
 */
import * as path from "node:path";
import { BackupError } from "../errors";
import { segmentHeaders } from "../journal/reader";
import { schemaDifferences } from "../schema/compare";
import { listSnapshots, manifestEntry, readInfo, type ManifestEntry } from "../snapshot";
import { SNAPSHOT_EXT } from "../snapshot/fileName";
import { checkCoverage, journalEnd, seqAtTime, type JournalEnd } from "./coverage";

export interface PlanRequest {
  /** An instant: the state after the last transaction committed at or before it. */
  to?: number;
  toSeq?: number;
  /** A snapshot file (path, or file name in the store) to start from. */
  snapshot?: string;
  /** The newest snapshot, replayed to the end of the journal (also what no point at all means). */
  latest?: boolean;
}

export interface RestorePlan {
  store: string;
  snapshot: ManifestEntry & { path: string };
  /** The seq the restore reaches. */
  targetSeq: number;
  /** Commit time of targetSeq when the plan already knows it (restores by time). */
  targetAt: number | null;
  /** Frames to replay: snapshot.seq + 1 .. targetSeq. */
  frames: number;
  /** Whether a point (time or seq) was asked for, rather than a snapshot's own state. */
  pointInTime: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString();

export async function planRestore(store: string, request: PlanRequest): Promise<RestorePlan> {
  if (request.toSeq !== undefined && (!Number.isSafeInteger(request.toSeq) || request.toSeq < 0)) {
    throw new BackupError("BAD_INPUT", `--to-seq ${request.toSeq} is not a sequence number`, "give a whole number, e.g. --to-seq 1234");
  }
  if (request.to !== undefined && request.toSeq !== undefined) throw new BackupError("BAD_USAGE", "give either --to or --to-seq, not both");
  const given = request.snapshot !== undefined ? await explicitSnapshot(store, request.snapshot) : null;
  const snapshots = given ? [given] : await storeSnapshots(store);
  if (snapshots.length === 0) throw new BackupError("NOT_FOUND", `no snapshots in ${store}`, "take one with `backup` (npm run backup), or pass --dir with the app's store");
  const end = journalEnd(store);
  const bySeq = [...snapshots].sort((a, b) => a.seq - b.seq || rank(a) - rank(b) || a.createdAt - b.createdAt);
  const newest = bySeq[bySeq.length - 1];

  let targetSeq: number;
  let targetAt: number | null = null;
  if (request.toSeq !== undefined) {
    targetSeq = request.toSeq;
  } else if (request.to !== undefined) {
    const found = seqForTime(store, request.to, bySeq, end);
    if (found === null) throw beforeOldest(request.to, bySeq, end);
    targetSeq = found.seq;
    targetAt = found.at;
  } else {
    // A snapshot file alone means its own state; latest (or nothing) the newest state there is.
    targetSeq = given ? given.seq : Math.max(newest.seq, end?.lastSeq ?? 0);
  }

  const chosen = [...bySeq].reverse().find((s) => s.seq <= targetSeq);
  if (!chosen) {
    if (request.to !== undefined) throw beforeOldest(request.to, bySeq, end);
    throw new BackupError("OUT_OF_RANGE", `seq ${targetSeq} is before ${given ? "the snapshot, which holds" : "the oldest snapshot, at"} seq ${bySeq[0].seq}`,
      `restorable: ${rangeText(bySeq, end)}`);
  }
  if (targetSeq > chosen.seq) {
    const lastSeq = end?.lastSeq ?? chosen.seq;
    if (targetSeq > lastSeq) {
      throw new BackupError("OUT_OF_RANGE", `seq ${targetSeq} is after the end of the journal (seq ${lastSeq})`, `restorable: ${rangeText(bySeq, end)}`);
    }
    checkCoverage(store, chosen.seq, targetSeq);
    await checkJournalSchema(store, chosen, targetSeq);
  }
  return {
    store, snapshot: chosen, targetSeq, targetAt, frames: targetSeq - chosen.seq,
    pointInTime: request.to !== undefined || request.toSeq !== undefined || !given,
  };
}

/**
 * The store's snapshots. A file whose header or trailer cannot be read might
 * be the one the restore should start from, so it stops the restore loudly
 * rather than being skipped (I5).
 */
async function storeSnapshots(store: string): Promise<(ManifestEntry & { path: string })[]> {
  const { snapshots, broken } = await listSnapshots(store);
  if (broken.length > 0) {
    throw new BackupError("SNAPSHOT_CORRUPT", broken[0].message,
      `move the damaged file${broken.length > 1 ? `s (${broken.map((b) => b.file).join(", ")})` : ""} out of the store to restore from the others, or name a snapshot file to restore from`);
  }
  return snapshots.map((s) => ({ ...s, path: path.join(store, s.file) }));
}

/** Safety snapshots are snapshots too, but a regular one of the same seq is the one a user expects to see named. */
function rank(s: ManifestEntry): number {
  return s.kind === "safety" ? 0 : 1;
}

async function explicitSnapshot(store: string, file: string): Promise<ManifestEntry & { path: string }> {
  const inStore = !file.includes("/") && !file.includes("\\");
  const candidates = inStore ? [path.join(store, file), path.join(store, file + SNAPSHOT_EXT), file] : [file];
  let lastError: unknown;
  for (const candidate of candidates) {
    try {
      return { ...manifestEntry(path.basename(candidate), await readInfo(candidate)), path: path.resolve(candidate) };
    } catch (error) {
      if (!(error instanceof BackupError && error.code === "NOT_FOUND")) throw error;
      lastError = error;
    }
  }
  throw lastError;
}

/**
 * The last frame at or before `time`. A snapshot created at or before it is
 * a lower bound (its seq committed before it was created), so the journal is
 * read from there on; without one, from the journal's start.
 */
function seqForTime(store: string, time: number, bySeq: (ManifestEntry & { path: string })[], end: JournalEnd | null): { seq: number; at: number | null } | null {
  const base = [...bySeq].reverse().find((s) => s.createdAt <= time) ?? null;
  if (end === null || (base && base.seq >= end.lastSeq)) return base && { seq: base.seq, at: null };
  const frame = seqAtTime(store, time, base ? base.seq + 1 : end.firstSeq);
  if (frame) return frame;
  return base && { seq: base.seq, at: null };
}

function rangeText(bySeq: ManifestEntry[], end: JournalEnd | null): string {
  const oldest = bySeq[0];
  const newest = bySeq[bySeq.length - 1];
  const last = end && end.lastSeq >= newest.seq ? { at: end.lastAt, seq: end.lastSeq } : { at: newest.createdAt, seq: newest.seq };
  return `${iso(oldest.createdAt)} (seq ${oldest.seq}) to ${iso(last.at)} (seq ${last.seq})`;
}

function beforeOldest(time: number, bySeq: ManifestEntry[], end: JournalEnd | null): BackupError {
  return new BackupError("OUT_OF_RANGE", `${iso(time)} is before the oldest snapshot the store can restore from`,
    `restorable: ${rangeText(bySeq, end)}`);
}

/**
 * Frames are replayed into the snapshot's tables, so the segments holding
 * them must have been captured with the snapshot's schema: a migration in
 * between changed what the rows mean.
 */
async function checkJournalSchema(store: string, snapshot: ManifestEntry & { path: string }, toSeq: number): Promise<void> {
  const headers = segmentHeaders(store);
  for (let i = 0; i < headers.length; i++) {
    const { header, file } = headers[i];
    const nextFirst = headers[i + 1]?.header.firstSeq ?? Infinity;
    if (nextFirst <= snapshot.seq + 1 || header.firstSeq > toSeq) continue;
    if (header.fingerprint !== snapshot.fingerprint) {
      const schema = (await readInfo(snapshot.path)).header.schema;
      const differences = schemaDifferences(schema, header.schema, { backup: "the snapshot", target: "the journal" });
      throw new BackupError("SCHEMA_MISMATCH",
        `journal segment ${file} was captured with another schema than snapshot ${snapshot.file}: ${differences.join("; ") || "keys or nullability differ"}`,
        "restore to a point before the schema changed, or from a snapshot taken after it");
    }
  }
}
