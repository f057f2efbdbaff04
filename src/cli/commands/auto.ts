import { Command, Option } from "commander";
import { databaseOption, jsonOption, storeOption } from "../options";
import { openBackupSource } from "../../backupSource";
import { existingStore } from "../../store";
import { formatInZone } from "../../instant";
import { listSnapshots } from "../../snapshot";
import { resolveSchedule, type Schedule, type ScheduleSettings } from "../../schedule/config";
import { scheduleStateAt, type KindState } from "../../schedule/due";
import { parseDuration, formatDuration } from "../../schedule/duration";
import { DEFAULT_LOCK_WAIT_MS, runDue, type DueRun } from "../../schedule/runDue";
import { action } from "../action";
import * as stdout from "../stdout";
import { formatBytes } from "./list";

export interface ScheduleFlags { tz?: string; daily?: string; weekly?: string; monthly?: string; schedule?: string }
interface AutoOptions extends ScheduleFlags { dir?: string; db?: string; json?: boolean; lockWait: string; dryRun?: boolean }

/** The schedule flags auto and health share. */
export function addScheduleOptions(command: Command): Command {
  return command
    .addOption(new Option("--tz <zone>", "IANA time zone the schedule is read in (default $BACKUP_SCHEDULE_TZ, the schedule file, else the machine's)"))
    .addOption(new Option("--daily <cron>", "when the daily snapshot is due: a cron pattern, or off (default $BACKUP_SCHEDULE_DAILY, the schedule file, else \"0 2 * * *\")"))
    .addOption(new Option("--weekly <cron>", "the same for the weekly snapshot (default \"0 3 * * 0\": Sunday 03:00)"))
    .addOption(new Option("--monthly <cron>", "the same for the monthly snapshot (default \"0 4 1 * *\": the 1st, 04:00)"))
    .addOption(new Option("--schedule <file>", "a JSON file of these settings: {\"timeZone\", \"daily\", \"weekly\", \"monthly\"} (default $BACKUP_SCHEDULE_FILE, else <store>/schedule.json if present)"));
}

export function scheduleOf(dir: string, flags: ScheduleFlags): Schedule {
  const given: ScheduleSettings = { timeZone: flags.tz, daily: flags.daily, weekly: flags.weekly, monthly: flags.monthly, file: flags.schedule };
  return resolveSchedule(dir, given, process.env, { timeZone: "--tz", daily: "--daily", weekly: "--weekly", monthly: "--monthly" });
}

const at = (ms: number | null, zone: string) => (ms === null ? null : formatInZone(ms, zone));

function stateJson(s: KindState, zone: string) {
  return { kind: s.kind, pattern: s.pattern, due: s.due, firedAt: at(s.firedAt, zone), period: s.period, file: s.file, newest: s.newest?.file ?? null, nextAt: at(s.nextAt, zone) };
}

function resultJson(dir: string, schedule: Schedule, run: DueRun, states: KindState[], dryRun: boolean) {
  return {
    store: dir, timeZone: schedule.timeZone, checkedAt: at(run.checkedAt, schedule.timeZone), dryRun, waitedMs: run.waitedMs,
    taken: run.taken.map(({ due, taken }) => ({
      kind: due.kind, period: due.period, dueSince: at(due.firedAt, schedule.timeZone), file: taken.file, path: taken.path, seq: taken.seq,
      createdAt: new Date(taken.createdAt).toISOString(), rows: taken.rows, bytes: taken.bytes, ms: Math.round(taken.ms),
    })),
    schedule: states.map((s) => stateJson(s, schedule.timeZone)),
  };
}

function humanText(json: ReturnType<typeof resultJson>): string {
  const lines: string[] = [];
  for (const t of json.taken) lines.push(`took ${t.file} (${t.kind} for ${t.period}, due since ${t.dueSince}): seq ${t.seq}, ${t.rows.toLocaleString("en-US")} rows, ${formatBytes(t.bytes)}`);
  const due = json.schedule.filter((s) => s.due);
  if (json.dryRun) for (const s of due) lines.push(`due: ${s.kind} for ${s.period} (since ${s.firedAt}) -> ${s.file}`);
  if (json.taken.length === 0 && (!json.dryRun || due.length === 0)) lines.push(`nothing due at ${json.checkedAt}`);
  if (json.waitedMs > 0) lines.push(`waited ${formatDuration(json.waitedMs)} for another run`);
  for (const s of json.schedule) {
    if (!s.due || !json.dryRun) lines.push(`  ${s.kind.padEnd(7)} ${s.pattern.padEnd(12)} newest ${s.newest ?? "none"}; next ${s.nextAt ?? "never"}`);
  }
  return lines.join("\n") + "\n";
}

export function registerAuto(program: Command): void {
  addScheduleOptions(program
    .command("auto")
    .description("take the scheduled snapshots that are due and not yet taken (daily, weekly, monthly), and nothing otherwise: safe to run every " +
      "minute from cron; after the machine was off, one snapshot per missed kind catches up"))
    .addOption(storeOption())
    .addOption(databaseOption("database"))
    .option("--lock-wait <duration>", "how long to wait for another run taking this store's snapshots (then exit 1, STORE_LOCKED)", `${DEFAULT_LOCK_WAIT_MS / 60_000}m`)
    .option("--dry-run", "say what is due, take nothing (writes nothing)")
    .addOption(jsonOption("one JSON object: store, timeZone, checkedAt, dryRun, waitedMs, taken[], schedule[] (per kind: pattern, due, firedAt, period, file, newest, nextAt)"))
    .addHelpText("after", "\nA kind is due when its time has come since the newest snapshot of that kind; it is named after the date it stands for\n" +
      "(daily-backup-<date>.snap, in the schedule's time zone). Each run decides under <store>/schedule.lock, so two runs never take one twice.\n" +
      "\nExamples:\n  * * * * * cd /path/to/stocktake && npm run backup:auto\n  stocktake-backup auto --dry-run --tz Europe/London\n" +
      "  stocktake-backup auto --weekly off --monthly \"0 4 L * *\" --lock-wait 10m")
    .action(action(async (opts: AutoOptions) => {
      const dir = existingStore(opts.dir);
      const schedule = scheduleOf(dir, opts);
      const lockWaitMs = parseDuration(opts.lockWait, "--lock-wait");
      let run: DueRun;
      if (opts.dryRun) run = { checkedAt: Date.now(), taken: [], waitedMs: 0 };
      else {
        run = await runDue(dir, schedule, {
          lockWaitMs,
          open: async () => {
            const source = await openBackupSource({ db: opts.db, dir });
            if (!source.shipping && source.why) process.stderr.write(`${source.why}\n`);
            return source;
          },
        });
      }
      const states = scheduleStateAt(run.checkedAt, schedule, (await listSnapshots(dir)).snapshots);
      const json = resultJson(dir, schedule, run, states, opts.dryRun === true);
      await stdout.write(opts.json ? `${JSON.stringify(json)}\n` : humanText(json));
    }));
}
