/**
 * The figures of a store's health, gathered without writing anything (I8):
 * the snapshots per kind and how many scheduled periods passed since the
 * newest of each, the journal's end and its lag behind the database, whether
 * the store can be written, its disk, the newest integrity report.
 */
import type { DataSource } from "typeorm";
import { journalRange } from "../../journal/reader";
import { type BrokenSnapshot, listSnapshots, type ManifestEntry, SNAPSHOT_KINDS, type SnapshotKind } from "../../snapshot";
import type { Schedule } from "../../schedule/config";
import { scheduleStateAt } from "../../schedule/due";
import { occurrencesOf } from "../../schedule/occurrences";
import { diskFigures, type DiskFigures, realStatFs, recentGrowth, type StatFs, storeWritable } from "./disk";
import { looseModes, type LooseModes } from "./fileModes";
import { newestIntegrityReport, type IntegrityReportFigures } from "./integrityReport";
import { journalLag, type JournalLag } from "./journalLag";

export interface KindFigures {
  kind: SnapshotKind;
  count: number;
  newestFile: string | null;
  newestAt: number | null;
  /** Its cron pattern; null for a kind that is not scheduled (manual, safety, or one set off). */
  pattern: string | null;
  /** When the schedule last fired (within the grace it is not yet counted missed), and fires next. */
  firedAt: number | null;
  nextAt: number | null;
  /** Scheduled times, older than the grace, since the newest snapshot of the kind (counted up to the cap). */
  missed: number | null;
}

export interface JournalFigures { firstSeq: number; lastSeq: number; lastAt: number; bytes: number; segments: number; problems: string[] }

export interface HealthFigures {
  store: string;
  checkedAt: number;
  timeZone: string;
  snapshots: { total: number; newestAt: number | null; broken: BrokenSnapshot[]; kinds: KindFigures[] };
  journal: JournalFigures | null;
  lag: JournalLag;
  writable: { writable: boolean; error: string | null };
  /** Entries of the store other users may read or write. */
  modes: LooseModes;
  disk: DiskFigures | { error: string };
  integrity: IntegrityReportFigures | null;
}

export interface GatherOptions {
  schedule: Schedule;
  /** The clock; default now. */
  now?: number;
  /** How long after its time a scheduled snapshot may still be on its way. */
  graceMs: number;
  /** Missed periods are counted up to this many. */
  missedCap: number;
  /** Opens the database for the journal lag; null when there is none to ask (then `why`). */
  openDatabase: () => Promise<DataSource>;
  statfs?: StatFs;
}

function kindFigures(kind: SnapshotKind, snapshots: ManifestEntry[], schedule: Schedule, now: number, graceMs: number, cap: number, since: number): KindFigures {
  const mine = snapshots.filter((s) => s.kind === kind);
  const newest = mine.reduce<ManifestEntry | null>((a, s) => (a === null || s.createdAt > a.createdAt ? s : a), null);
  const pattern = kind === "daily" || kind === "weekly" || kind === "monthly" ? schedule.patterns[kind] : null;
  const state = pattern === null ? null : scheduleStateAt(now, schedule, snapshots).find((s) => s.kind === kind) ?? null;
  const missed = pattern === null ? null : occurrencesOf(pattern, schedule.timeZone).countBetween(newest?.createdAt ?? since, now - graceMs, cap);
  return {
    kind, count: mine.length, newestFile: newest?.file ?? null, newestAt: newest?.createdAt ?? null,
    pattern, firedAt: state?.firedAt ?? null, nextAt: state?.nextAt ?? null, missed,
  };
}

export async function gatherHealth(dir: string, options: GatherOptions): Promise<HealthFigures> {
  const now = options.now ?? Date.now();
  const { snapshots, broken } = await listSnapshots(dir);
  const range = journalRange(dir);
  // Scheduled times before the store held anything are not missed.
  const since = Math.min(now, snapshots[0]?.createdAt ?? now, range?.firstAt ?? now);
  const kinds = SNAPSHOT_KINDS.map((k) => kindFigures(k, snapshots, options.schedule, now, options.graceMs, options.missedCap, since));
  const journal = range && {
    firstSeq: range.firstSeq, lastSeq: range.lastSeq, lastAt: range.lastAt,
    bytes: range.segments.reduce((n, s) => n + s.bytes, 0), segments: range.segments.length, problems: range.problems,
  };
  let disk: HealthFigures["disk"];
  try {
    disk = diskFigures((options.statfs ?? realStatFs)(dir), recentGrowth(now, snapshots, range, since));
  } catch (e) {
    disk = { error: (e as Error).message };
  }
  return {
    store: dir, checkedAt: now, timeZone: options.schedule.timeZone,
    snapshots: { total: snapshots.length, newestAt: snapshots.reduce<number | null>((a, s) => Math.max(a ?? s.createdAt, s.createdAt), null), broken, kinds },
    journal, lag: await lagOf(options.openDatabase, journal?.lastSeq ?? 0), writable: storeWritable(dir), modes: looseModes(dir), disk, integrity: newestIntegrityReport(dir),
  };
}

async function lagOf(open: () => Promise<DataSource>, lastSeq: number): Promise<JournalLag> {
  let db: DataSource;
  try {
    db = await open();
  } catch (e) {
    return { checked: false, reason: `cannot open the database: ${(e as Error).message}` };
  }
  try {
    return await journalLag(db, lastSeq);
  } catch (e) {
    return { checked: false, reason: `cannot read the database's outbox: ${(e as Error).message}` };
  } finally {
    await db.destroy().catch(() => undefined);
  }
}
