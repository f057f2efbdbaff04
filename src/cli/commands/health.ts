import { Command } from "commander";
import { databaseOption, jsonOption, storeOption } from "../options";
import { openDatabase } from "../../db/connect";
import { BackupError } from "../../errors";
import { formatInZone } from "../../instant";
import { existingStore } from "../../store";
import { formatDuration, parseDuration } from "../../schedule/duration";
import { gatherHealth, type HealthFigures } from "../../operations/health/figures";
import { type Check, DEFAULT_THRESHOLDS, judge, STATE_RANK, type Thresholds, worst } from "../../operations/health/judge";
import { writePrometheusFile } from "../../operations/health/prometheus";
import { action } from "../action";
import * as stdout from "../stdout";
import { addScheduleOptions, scheduleOf, type ScheduleFlags } from "./auto";

interface HealthOptions extends ScheduleFlags {
  dir?: string; db?: string; json?: boolean; prometheus?: string; grace: string;
  missedWarn: string; missedCritical: string; ageWarn?: string; ageCritical?: string; lagWarn: string; lagCritical: string;
  freeWarn: string; freeCritical: string; daysWarn: string; daysCritical: string;
}

function count(text: string, option: string): number {
  if (!/^\d+$/.test(text.trim())) throw new BackupError("BAD_INPUT", `${option} "${text}" is not a whole number`, `for example ${option} 2`);
  return Number(text);
}

function share(text: string, option: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(text);
  if (m === null || Number(m[1]) > 100) throw new BackupError("BAD_INPUT", `${option} "${text}" is not a percentage`, `for example ${option} 10%`);
  return Number(m[1]) / 100;
}

function thresholdsOf(o: HealthOptions): Thresholds {
  const t: Thresholds = {
    missedWarn: count(o.missedWarn, "--missed-warn"), missedCritical: count(o.missedCritical, "--missed-critical"),
    ageWarnMs: o.ageWarn === undefined ? null : parseDuration(o.ageWarn, "--age-warn"),
    ageCriticalMs: o.ageCritical === undefined ? null : parseDuration(o.ageCritical, "--age-critical"),
    lagWarnMs: parseDuration(o.lagWarn, "--lag-warn"), lagCriticalMs: parseDuration(o.lagCritical, "--lag-critical"),
    freeWarn: share(o.freeWarn, "--free-warn"), freeCritical: share(o.freeCritical, "--free-critical"),
    daysWarn: count(o.daysWarn, "--days-warn"), daysCritical: count(o.daysCritical, "--days-critical"),
  };
  if (t.missedWarn < 1 || t.missedCritical < 1) throw new BackupError("BAD_INPUT", "--missed-warn and --missed-critical count missed times: 1 or more", "for example --missed-warn 1 --missed-critical 2");
  return t;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function figuresJson(f: HealthFigures) {
  return {
    snapshots: {
      total: f.snapshots.total, newestAt: iso(f.snapshots.newestAt), broken: f.snapshots.broken,
      kinds: f.snapshots.kinds.map((k) => ({ ...k, newestAt: iso(k.newestAt), firedAt: iso(k.firedAt), nextAt: iso(k.nextAt),
        ageSeconds: k.newestAt === null ? null : (f.checkedAt - k.newestAt) / 1000 })),
    },
    journal: f.journal && { ...f.journal, lastAt: iso(f.journal.lastAt) },
    lag: f.lag.checked
      ? { checked: true, waiting: f.lag.waiting, headSeq: f.lag.headSeq, oldestWaitingAt: iso(f.lag.oldestWaitingAt),
        ...(f.lag.shipper !== undefined ? { shipper: f.lag.shipper } : {}),
        lagSeconds: f.lag.oldestWaitingAt === null ? 0 : (f.checkedAt - f.lag.oldestWaitingAt) / 1000 }
      : f.lag,
    writable: f.writable, disk: f.disk, integrity: f.integrity && { ...f.integrity, at: iso(f.integrity.at) },
  };
}

function humanText(f: HealthFigures, checks: Check[]): string {
  const state = worst(checks);
  const named = checks.filter((c) => c.state === state).map((c) => c.name);
  const lines = [state === "ok" ? `HEALTHY: ${f.store} (${formatInZone(f.checkedAt, f.timeZone)})` : `${state.toUpperCase()}: ${named.join(", ")}`];
  for (const c of checks) lines.push(`  ${(c.state === "ok" ? "ok" : c.state.toUpperCase()).padEnd(9)}${c.name.padEnd(16)}${c.message}`);
  return lines.join("\n") + "\n";
}

export function registerHealth(program: Command): void {
  addScheduleOptions(program
    .command("health")
    .description("is the store healthy? snapshots per kind and whether the schedule's are on time, the journal's lag behind the database, " +
      "whether the store can be written, its disk's free space and the days of growth it leaves, the last integrity report. " +
      "Exit status 0 healthy, 1 warning, 2 critical; writes nothing but --prometheus"))
    .addOption(storeOption())
    .addOption(databaseOption("the database, for the journal's lag"))
    .addOption(jsonOption("one JSON object: status, exitCode, store, checkedAt, checks[] {name, state, message}, figures"))
    .option("--prometheus <file>", "also write the figures in the Prometheus text format to <file> (atomically), for node_exporter's textfile collector")
    .option("--grace <duration>", "how long after its time a scheduled snapshot may still be on its way", "1h")
    .option("--missed-warn <n>", "scheduled times missed (past the grace) for a warning", String(DEFAULT_THRESHOLDS.missedWarn))
    .option("--missed-critical <n>", "... and for critical", String(DEFAULT_THRESHOLDS.missedCritical))
    .option("--age-warn <duration>", "age of the newest snapshot of any kind for a warning (default: not judged; the schedule is)")
    .option("--age-critical <duration>", "... and for critical")
    .option("--lag-warn <duration>", "age of the oldest transaction waiting for the journal, for a warning", formatDuration(DEFAULT_THRESHOLDS.lagWarnMs).replace(/ /g, ""))
    .option("--lag-critical <duration>", "... and for critical", "1h")
    .option("--free-warn <percent>", "free space on the store's disk at or below which it is a warning", `${DEFAULT_THRESHOLDS.freeWarn * 100}%`)
    .option("--free-critical <percent>", "... and critical", `${DEFAULT_THRESHOLDS.freeCritical * 100}%`)
    .option("--days-warn <n>", "days of the store's growth the free space leaves, at or below which it is a warning", String(DEFAULT_THRESHOLDS.daysWarn))
    .option("--days-critical <n>", "... and critical", String(DEFAULT_THRESHOLDS.daysCritical))
    .addHelpText("after", "\nThe schedule flags say what the schedule expects (as for auto). A warning or critical state is also the exit status,\n" +
      "so cron or a monitoring agent can tell them apart.\n" +
      "\nExamples:\n  0 * * * * cd /path/to/stocktake && npm run backup:health\n" +
      "  stocktake-backup health --json --prometheus /var/lib/node_exporter/textfile/stocktake_backup.prom\n" +
      "  stocktake-backup health --lag-warn 1m --free-warn 20% --age-critical 2d")
    .action(action(async (opts: HealthOptions) => {
      const dir = existingStore(opts.dir);
      const schedule = scheduleOf(dir, opts);
      const thresholds = thresholdsOf(opts);
      const figures = await gatherHealth(dir, {
        schedule, graceMs: parseDuration(opts.grace, "--grace"), missedCap: Math.max(thresholds.missedWarn, thresholds.missedCritical),
        openDatabase: () => openDatabase(opts.db),
      });
      const checks = judge(figures, thresholds);
      const status = worst(checks);
      if (opts.prometheus !== undefined) await writePrometheusFile(opts.prometheus, figures, checks);
      const json = { status, exitCode: STATE_RANK[status], store: dir, checkedAt: iso(figures.checkedAt), timeZone: figures.timeZone, checks, figures: figuresJson(figures) };
      await stdout.write(opts.json ? `${JSON.stringify(json)}\n` : humanText(figures, checks));
      return STATE_RANK[status];
    }));
}
