import { Command, Option } from "commander";
import { jsonOption, storeOption } from "../options";
import { existingStore } from "../../store";
import { parseInstant } from "../../instant";
import { cleanupStore, type CleanupReport } from "../../operations/cleanup";
import { DURATION_FORMS, formatDuration } from "../../operations/duration";
import { resolvePolicy } from "../../operations/retentionPolicy";
import { action } from "../action";
import * as stdout from "../stdout";
import { formatBytes } from "./list";

interface CleanupCliOptions {
  dir?: string; json?: boolean; dryRun?: boolean; compress?: boolean; now?: string;
  keepDaily?: string; keepWeekly?: string; keepMonthly?: string; keepWithin?: string; tz?: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

function cleanupJson(r: CleanupReport) {
  const p = r.policy;
  return {
    store: r.store, dryRun: r.dryRun, now: iso(r.now),
    policy: { keepDaily: p.keepDaily, keepWeekly: p.keepWeekly, keepMonthly: p.keepMonthly, keepWithin: formatDuration(p.keepWithinMs), timeZone: p.timeZone },
    window: r.windowStart === null ? null : { from: iso(r.windowStart), to: iso(r.now) },
    snapshots: r.decisions.map((d) => ({
      file: d.snapshot.file, kind: d.snapshot.kind, createdAt: iso(d.snapshot.createdAt), seq: d.snapshot.seq, bytes: d.snapshot.bytes,
      action: d.keep ? "keep" : "remove", reasons: d.reasons,
    })),
    removedSnapshots: r.removedSnapshots.map((s) => s.file),
    broken: r.broken,
    journal: { floorSeq: r.journalFloor, ...r.journal },
    bytesFreed: r.bytesFreed,
    restorable: r.restorable.map((x) => ({ from: iso(x.from), fromSeq: x.fromSeq, to: iso(x.to), toSeq: x.toSeq })),
  };
}

function humanText(r: CleanupReport): string {
  const p = r.policy;
  const would = r.dryRun ? "would remove" : "removed";
  const lines = [
    `policy:     keep daily ${p.keepDaily}, weekly ${p.keepWeekly}, monthly ${p.keepMonthly} (periods in ${p.timeZone}), ` +
      (r.windowStart === null ? "no window" : `every instant within ${formatDuration(p.keepWithinMs)}: ${iso(r.windowStart)} .. ${iso(r.now)}`),
  ];
  for (const d of r.decisions) {
    const s = d.snapshot;
    lines.push(`${d.keep ? "KEEP  " : r.dryRun ? "WOULD REMOVE" : "REMOVE"}  ${s.file}  ${s.kind}  ${iso(s.createdAt)}  seq ${s.seq}  ${formatBytes(s.bytes)}` +
      (d.keep ? `  (${d.reasons.join("; ")})` : ""));
  }
  for (const b of r.broken) lines.push(`LEFT    ${b.file}: cannot be read, so it is not decided on (${b.message})`);
  const j = r.journal;
  if (j.removed.length > 0) {
    lines.push(`journal:    ${would} ${j.removed.length} segment(s) before seq ${r.journalFloor! + 1} (seqs ${j.removed[0].firstSeq}..${j.removed[j.removed.length - 1].lastSeq}), ` +
      formatBytes(j.removed.reduce((n, x) => n + x.bytes, 0)));
  } else lines.push(`journal:    no segment ${r.dryRun ? "would be" : "was"} removed${r.journalFloor === null ? (r.broken.length > 0 ? " (a snapshot cannot be read, so its seq is unknown)" : "") : ` (kept from seq ${r.journalFloor + 1})`}`);
  if (j.compressed.length > 0) {
    const raw = j.compressed.reduce((n, x) => n + x.rawBytes, 0);
    const disk = j.compressed.reduce((n, x) => n + (x.diskBytes ?? 0), 0);
    lines.push(r.dryRun ? `journal:    would compress ${j.compressed.length} sealed segment(s), ${formatBytes(raw)}`
      : `journal:    compressed ${j.compressed.length} sealed segment(s): ${formatBytes(raw)} -> ${formatBytes(disk)}`);
  }
  for (const s of j.skipped) lines.push(`journal:    left ${s.file}: ${s.reason}`);
  lines.push(`${r.dryRun ? "would free" : "freed"}: ${" ".repeat(r.dryRun ? 1 : 5)}${formatBytes(r.bytesFreed)}${r.dryRun ? " (and what compression saves)" : ""}`);
  if (r.restorable.length === 0) lines.push("restorable: each snapshot's own state only");
  for (const x of r.restorable) lines.push(`restorable: ${iso(x.from)} (seq ${x.fromSeq}) .. ${iso(x.to)} (seq ${x.toSeq})`);
  if (r.dryRun) lines.push("dry run: nothing was changed");
  return lines.join("\n") + "\n";
}

export function registerCleanup(program: Command): void {
  program
    .command("cleanup")
    .argument("[days]", "the old form: keep every instant of the last <days> restorable (the same as --keep-within <days>d)")
    .description("remove the snapshots a grandfather-father-son policy lets go, the journal segments no kept snapshot needs, " +
      "and compress the sealed segments (zstd). Never removes the newest snapshot, nor anything a restore to an instant of the window needs")
    .addOption(storeOption())
    .option("--keep-daily <n>", "keep the newest snapshot of each of the last n days that have one (default $BACKUP_KEEP_DAILY, else 7)")
    .option("--keep-weekly <n>", "the same for ISO weeks, Monday to Sunday (default $BACKUP_KEEP_WEEKLY, else 4)")
    .option("--keep-monthly <n>", "the same for months (default $BACKUP_KEEP_MONTHLY, else 12)")
    .option("--keep-within <duration>", `keep every instant of this last stretch restorable: ${DURATION_FORMS} ` +
      "(default [days], else $BACKUP_KEEP_WITHIN, else $BACKUP_RETENTION_DAYS days, else 30d)")
    .option("--tz <zone>", "IANA time zone whose days, weeks and months the counts are in (default UTC)")
    .option("--dry-run", "print what would be removed and why each snapshot is kept; change nothing")
    .option("--no-compress", "do not compress sealed journal segments")
    .addOption(new Option("--now <instant>", "the time the window ends at (tests)").hideHelp())
    .addOption(jsonOption("one JSON object: policy, window, snapshots (action, reasons), removedSnapshots, journal, bytesFreed, restorable"))
    .addHelpText("after", [
      "",
      "Safety snapshots (taken before an in-place restore) never stand for a day, week or month: they are kept",
      "inside the window, and the newest one always (the undo of the last in-place restore).",
      "Snapshot files that cannot be read are left, and no journal segment is removed while there are any.",
      "Exit status 1 when something was left for that reason.",
      "",
      "Examples:",
      "  npm run backup:cleanup              # the policy from the environment, or 7 daily, 4 weekly, 12 monthly, 30 days",
      "  npm run backup:cleanup -- 7         # every instant of the last 7 days stays restorable",
      "  stocktake-backup cleanup --keep-daily 14 --keep-monthly 0 --keep-within 3d --dry-run",
    ].join("\n"))
    .action(action(async (days: string | undefined, opts: CleanupCliOptions) => {
      const dir = existingStore(opts.dir);
      const policy = resolvePolicy({
        keepDaily: opts.keepDaily, keepWeekly: opts.keepWeekly, keepMonthly: opts.keepMonthly, keepWithin: opts.keepWithin, days, timeZone: opts.tz,
      });
      const now = opts.now === undefined ? undefined : parseInstant(opts.now, { option: "--now" }).ms;
      const report = await cleanupStore(dir, { policy, now, dryRun: opts.dryRun === true, compress: opts.compress !== false });
      await stdout.write(opts.json ? `${JSON.stringify(cleanupJson(report))}\n` : humanText(report));
      return report.broken.length > 0 || report.journal.skipped.length > 0 ? 1 : 0;
    }));
}
