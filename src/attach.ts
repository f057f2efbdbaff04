import { DataSource } from "typeorm";
import { AttachedChangelog } from "./changelog";
import type { Changelog } from "./changelogApi";
import { createDialect } from "./capture/createDialect";
import { Durability } from "./capture/shipper";
import type { ShippingTrouble } from "./capture/shippingHealth";
import { entityTables, readSchema } from "./db/catalog";
import { resolveStoreDir } from "./store";
import { resolveSchedule } from "./schedule/config";
import { type InAppScheduleOptions, RunningSchedule } from "./schedule/inApp";

export type { Changelog, ChangelogStatus } from "./changelogApi";
export type { InAppScheduleOptions } from "./schedule/inApp";

export interface ChangelogOptions {
  /** The backup store; default env BACKUP_DIR, else ./snapshots. */
  dir?: string;
  /** See Durability; default "group". */
  durability?: Durability;
  /**
   * How long "group" durability waits to batch commits; default 1000 ms.
   * Each batch costs one fsync of the journal, and on one disk that fsync
   * slows the database's own commit fsyncs: fewer, larger batches keep the
   * app fast. The outbox holds the changes meanwhile; flush() does not wait.
   */
  groupWindowMs?: number;
  /** Tables to capture; default every entity and junction table of the DataSource. */
  tables?: string[];
  /** How often to look for commits made by other processes; default 1000 ms. */
  pollMs?: number;
  /** Journal segment size before rotation; default 64 MiB. */
  segmentBytes?: number;
  /**
   * Called when changes stop reaching the journal (a full or read-only store,
   * damage, …), once per episode; default: a line on stderr. The app goes on
   * and its changes wait in the database's outbox.
   */
  onError?: (error: unknown) => void;
  /** Called once when changes reach the journal again after onError; default: a line on stderr. */
  onRecover?: (trouble: ShippingTrouble) => void;
  /**
   * Fail instead of waiting when the store cannot be written at start-up
   * (the command line wants the error; an app wants to start). Default false.
   */
  requireStore?: boolean;
  /**
   * Go on after transactions that are lost from the store for good (their
   * segment was lost after the database pruned them): the journal continues
   * after the hole, which restores cannot cross. Default false: the loss is
   * reported and shipping waits for a decision.
   */
  acceptJournalGap?: boolean;
  /**
   * Make this store the database's store: its old store is lost for good.
   * The database ships here from now on, and the journal here starts where
   * the database's outbox starts; take a snapshot right after.
   */
  moveStore?: boolean;
  /**
   * Take the scheduled snapshots in the app: `true` for the store's schedule
   * (default daily 02:00, weekly Sunday 03:00, monthly the 1st 04:00, local
   * time; BACKUP_SCHEDULE_* or <store>/schedule.json change it), or settings
   * of its own. What was due while the app was down is taken at start-up.
   * Runs share backup:auto's decision and lock, so both may run. Default off.
   */
  schedule?: boolean | InAppScheduleOptions;
}


const say = (text: string) => process.stderr.write(`stocktake-backup: ${text}\n`);

/**
 * The one call an app makes at start-up, after dataSource.initialize().
 * Installs the capture in the database (idempotent; brings triggers up to
 * date with the tables' current columns), opens and recovers the journal,
 * ships changes a previous run committed but did not ship, and from then on
 * ships every commit. When the store cannot be written (full, read-only),
 * the app starts all the same: capture goes on into the outbox and shipping
 * follows once the store is back. Throws for a store of another database
 * (STORE_MISMATCH) and when another process writes the store (JOURNAL_LOCKED).
 * On PostgreSQL several app processes may attach to one database and store:
 * one ships (and runs the schedule), the others capture and stand by, and
 * one of them takes over within a poll when the shipping one dies.
 */
export async function attachChangelog(dataSource: DataSource, options: ChangelogOptions = {}): Promise<Changelog> {
  const dir = resolveStoreDir(options.dir);
  // A bad pattern or zone is refused before the database is touched.
  const scheduleOptions = options.schedule === true ? {} : options.schedule || null;
  const schedule = scheduleOptions === null ? null : resolveSchedule(dir, scheduleOptions);
  const dialect = await createDialect(dataSource);
  const pollMs = options.pollMs ?? 1000;
  let changelog: AttachedChangelog;
  try {
    const schema = await readSchema(dataSource, dialect.engine, options.tables ?? entityTables(dataSource));
    changelog = new AttachedChangelog(dataSource, dialect, schema, dir,
      { durability: options.durability ?? "group", groupWindowMs: options.groupWindowMs ?? 1000, batchFrames: 1000, changesPerFrame: 2000, changesPerAppend: 10_000, pruneEvery: 1000 },
      { segmentBytes: options.segmentBytes, acceptJournalGap: options.acceptJournalGap, moveStore: options.moveStore },
      pollMs,
      options.onError ?? ((error) => say(`changes are not reaching the journal in ${dir}: ${error instanceof Error ? error.message : String(error)}; they wait in the database`)),
      options.onRecover ?? ((trouble) => say(`changes reach the journal in ${dir} again (after ${trouble.code} since ${trouble.since})`)));
    await changelog.start(options.requireStore ?? false);
  } catch (error) {
    await dialect.close();
    throw error;
  }
  if (schedule !== null) {
    const running = new RunningSchedule(dir, schedule, changelog, scheduleOptions!, () => changelog.ships).start();
    // A standby that takes over catches up what was due while it stood by.
    changelog.onShipping(() => void running.run());
    changelog.beforeClose(() => running.stop());
  }

  return changelog;
}
