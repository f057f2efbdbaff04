/**
 * The schedule run inside the app (attachChangelog's `schedule`): croner
 * fires at each kind's time, and at start-up a first run catches up what
 * was due while the app was down. Each run is runDue, the same decision
 * and the same lock as backup:auto's, so the app and a cron job never take
 * one snapshot twice. Runs go one at a time, off the app's write path: the
 * app's writes never wait for a snapshot (a SQLite file is read by a
 * process of its own, PostgreSQL in a read transaction of its own).
 */
import { Cron } from "croner";
import type { TakenSnapshot } from "../snapshot/take";
import { type Schedule, SCHEDULED_KINDS, type ScheduleSettings, type ScheduledKind } from "./config";
import { runDue, type DueRun, type SnapshotTaker } from "./runDue";

export interface InAppScheduleOptions extends ScheduleSettings {
  /** How long a run waits for another one (a backup:auto) holding the store's schedule lock; default 5 minutes. */
  lockWaitMs?: number;
  /** Told of each scheduled snapshot taken; default: a line on stderr. */
  onSnapshot?: (kind: ScheduledKind, taken: TakenSnapshot) => void;
  /** Told when a scheduled run fails (it is tried again at the next time, or the next start); default: a line on stderr. */
  onError?: (error: unknown) => void;
}

const say = (text: string) => process.stderr.write(`stocktake-backup: ${text}\n`);

export class RunningSchedule {
  private readonly jobs: Cron[] = [];
  private queue: Promise<DueRun | null> = Promise.resolve(null);
  private stopped = false;

  constructor(
    private readonly dir: string,
    readonly schedule: Schedule,
    private readonly taker: SnapshotTaker,
    private readonly options: InAppScheduleOptions = {},
    /** False while another app process ships the database (a PostgreSQL standby): that one runs the schedule. */
    private readonly ships: () => boolean = () => true,
  ) {}

  /** Starts the timers, and a first run for what was due while the app was down. */
  start(): this {
    for (const kind of SCHEDULED_KINDS) {
      const pattern = this.schedule.patterns[kind];
      if (pattern === null) continue;
      // unref: a schedule never keeps the app's process alive; protect: croner skips a firing while the last one runs.
      this.jobs.push(new Cron(pattern, { timezone: this.schedule.timeZone, unref: true, protect: true }, async () => { await this.run(); }));
    }
    setImmediate(() => void this.run());
    return this;
  }

  /** Takes what is due now, after any run in progress; resolves to what it took (null when it failed or the schedule stopped). */
  run(): Promise<DueRun | null> {
    this.queue = this.queue.then(async () => {
      if (this.stopped || !this.ships()) return null;
      try {
        return await runDue(this.dir, this.schedule, {
          lockWaitMs: this.options.lockWaitMs,
          // Only its snapshot(): runDue closes what it opens, and the app's changelog is not runDue's to close.
          open: async () => ({ snapshot: (o) => this.taker.snapshot(o) }),
          onTaken: (due, taken) => (this.options.onSnapshot ?? ((k, t) => say(`took the ${k} snapshot ${t.file} (scheduled)`)))(due.kind, taken),
        });
      } catch (error) {
        (this.options.onError ?? ((e) => say(`a scheduled snapshot failed: ${e instanceof Error ? e.message : String(e)}`)))(error);
        return null;
      }
    });
    return this.queue;
  }

  /** The next time any kind is due, or null. */
  nextAt(): Date | null {
    const next = this.jobs.map((j) => j.nextRun()).filter((d): d is Date => d !== null).sort((a, b) => a.getTime() - b.getTime());
    return next[0] ?? null;
  }

  /** Stops the timers and waits for a run in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const job of this.jobs) job.stop();
    await this.queue;
  }
}
