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
import { readStoreIdentity, requireSameDatabase } from "../storeIdentity";
import { checkCoverage, journalEnd, seqAtTime, type JournalEnd } from "../journal/coverage";
import { sequenceNumber } from "../instant";

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
  /** The journal's last frame when the plan was made; null when it holds none. */
  journalEnd: JournalEnd | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

export async function planRestore(store: string, request: PlanRequest): Promise<RestorePlan> {
  if (request.toSeq !== undefined) sequenceNumber(request.toSeq, "toSeq");
  if (request.to !== undefined && request.toSeq !== undefined) throw new BackupError("BAD_USAGE", "give either a time (to) or a sequence number (toSeq), not both");
  const given = request.snapshot !== undefined ? await explicitSnapshot(store, request.snapshot) : null;
  const identity = await readStoreIdentity(store);
  const snapshots = given ? [given] : await storeSnapshots(store);
  for (const s of snapshots) requireSameDatabase(`snapshot ${s.file}`, s.databaseId, store, identity?.databaseId);
  if (snapshots.length === 0) throw new BackupError("NOT_FOUND", `no snapshots in ${store}`, "take one with `backup` (npm run backup), or pass --dir with the app's store");
  const end = journalEnd(store);
  // Only a snapshot of the journal's own database can be replayed on: the
  // journal of another database (or of one without an identity) would mix two.
  const journalDb = end === null ? null : segmentHeaders(store, { fromSeq: end.lastSeq, toSeq: end.lastSeq })[0]?.header.databaseId ?? null;
  const replayable = (s: ManifestEntry) => journalDb === null || s.databaseId === journalDb;
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
    if (!given && end?.damage) {
      throw new BackupError("JOURNAL_CORRUPT", `the newest state of ${store} cannot be known: ${end.damage}`,
        `restore to a point before the damage (seq ${end.lastSeq} or earlier), or start the app: it repairs a tail the database still holds`);
    }
  }

  const chosen = [...bySeq].reverse().find((s) => s.seq <= targetSeq && (s.seq === targetSeq || replayable(s)));
  if (!chosen) {
    const foreign = bySeq.find((s) => s.seq < targetSeq && !replayable(s));
    if (foreign) {
      throw new BackupError("STORE_MISMATCH",
        `seq ${targetSeq} needs the journal replayed over snapshot ${foreign.file}, which is not of the journal's database`,
        "restore that snapshot's own state, or take a snapshot of the database the journal belongs to");
    }
    if (request.to !== undefined) throw beforeOldest(request.to, bySeq, end);
    throw new BackupError("OUT_OF_RANGE", `seq ${targetSeq} is before ${given ? "the snapshot, which holds" : "the oldest snapshot, at"} seq ${bySeq[0].seq}`,
      `restorable: ${rangeText(bySeq, end)}`);
  }
  if (targetSeq > chosen.seq) {
    const lastSeq = end?.lastSeq ?? chosen.seq;
    if (targetSeq > lastSeq && end?.damage) {
      throw new BackupError("JOURNAL_CORRUPT", `seq ${targetSeq} is past damage in the journal: ${end.damage}`, `restore to seq ${lastSeq} or earlier`);
    }
    if (targetSeq > lastSeq) {
      throw new BackupError("OUT_OF_RANGE", `seq ${targetSeq} is after the end of the journal (seq ${lastSeq})`, `restorable: ${rangeText(bySeq, end)}`);
    }
    checkCoverage(store, chosen.seq, targetSeq, end);
    await checkJournalSchema(store, chosen, targetSeq);
  }
  return {
    store, snapshot: chosen, targetSeq, targetAt, frames: targetSeq - chosen.seq,
    pointInTime: request.to !== undefined || request.toSeq !== undefined || !given,
    journalEnd: end,
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
  for (const { header, file } of segmentHeaders(store, { fromSeq: snapshot.seq + 1, toSeq })) {
    if (header.databaseId && header.databaseId !== snapshot.databaseId) {
      throw new BackupError("STORE_MISMATCH",
        `snapshot ${snapshot.file} is of ${snapshot.databaseId ? `database ${snapshot.databaseId.slice(0, 8)}` : "a database without a changelog identity"}, ` +
        `but journal segment ${file} holds changes of database ${header.databaseId.slice(0, 8)}: replaying one on the other would mix two databases`,
        "restore the snapshot's own state (no point in time), or from a snapshot of the journal's database");
    }
    if (header.fingerprint !== snapshot.fingerprint) {
      const schema = (await readInfo(snapshot.path)).header.schema;
      const differences = schemaDifferences(schema, header.schema, { backup: "the snapshot", target: "the journal" });
      throw new BackupError("SCHEMA_MISMATCH",
        `journal segment ${file} was captured with another schema than snapshot ${snapshot.file}: ${differences.join("; ") || "keys or nullability differ"}`,
        "restore to a point before the schema changed, or from a snapshot taken after it");
    }
  }
}
