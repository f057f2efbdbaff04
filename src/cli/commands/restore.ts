import * as fs from "node:fs";
import * as path from "node:path";
import { Command } from "commander";
import { databaseOption, jsonOption, storeOption, timeZoneOption } from "../options";
import { count, progressBar } from "../progress";
import type { DataSource } from "typeorm";
import { BackupError } from "../../errors";
import { parseInstant, pastInstant, sequenceNumber } from "../../instant";
import { restore, type RestoreOptions, type RestoreResult } from "../../restore";
import { existingStore } from "../../store";
import { openDatabase } from "../../db/connect";
import { action } from "../action";
import * as stdout from "../stdout";

interface RestoreCliOptions {
  to?: string;
  tz?: string;
  toSeq?: string;
  target?: string;
  clearExisting?: boolean;
  dryRun?: boolean;
  skipValidation?: boolean;
  dir?: string;
  db?: string;
  json?: boolean;
}

/** A directory named as the snapshot (`restore ./backups`, `restore journal`): refused by name, not as a failed read. */
function refuseDirectory(store: string, snapshot: string | undefined): void {
  if (snapshot === undefined || snapshot === "latest") return;
  for (const candidate of [snapshot, path.join(store, snapshot)]) {
    if (fs.statSync(candidate, { throwIfNoEntry: false })?.isDirectory()) {
      throw new BackupError("BAD_INPUT", `${candidate} is a directory, not a snapshot file`,
        "give a snapshot file (a path, or a name in the store: list shows them), or latest");
    }
  }
}

function humanText(r: RestoreResult): string {
  const seconds = r.ms / 1000;
  const lines = [
    r.dryRun ? `dry run: nothing was changed; a restore would reach seq ${r.seqReached} (${r.atReached})` : `restored seq ${r.seqReached} (${r.atReached})`,
    `  into      ${r.target}${r.mode === "in-place" ? " (in place)" : ""}`,
    `  from      ${r.snapshot.file} (seq ${r.snapshot.seq}, ${r.snapshot.createdAt}), ${r.framesReplayed} frame(s) replayed`,
    `  rows      ${r.rows.toLocaleString("en-US")} in ${Object.keys(r.rowsPerTable).length} tables`,
    ...Object.entries(r.rowsPerTable).map(([t, n]) => `    ${t.padEnd(28)} ${n.toLocaleString("en-US").padStart(10)}`),
    `  time      ${seconds.toFixed(2)} s (${Math.round(r.rows / Math.max(seconds, 0.001)).toLocaleString("en-US")} rows/s)`,
  ];
  if (r.to !== null) lines.splice(1, 0, `  asked     --to ${r.to}${r.journalEndedBefore ? `: the journal ends before it, at seq ${r.journalEndedBefore.seq}` : ""}`);
  if (r.safetySnapshot) lines.push(`  safety    ${r.safetySnapshot} (what the restore replaced)`);
  for (const f of r.findings) lines.push(`  ${f.severity.padEnd(9)} ${f.message}`);
  return lines.join("\n") + "\n";
}

/** The source database only when the restore needs it: in place, or the server of a default PostgreSQL target. */
async function sourceFor(file: string | undefined, opts: RestoreCliOptions): Promise<{ source?: string | DataSource; close(): Promise<void> }> {
  const url = (opts.db ?? process.env.DATABASE_URL)?.trim();
  if (url) return { source: url, close: async () => undefined };
  const inPlace = opts.clearExisting || (file !== undefined && file !== "latest" && opts.to === undefined && opts.toSeq === undefined && opts.target === undefined);
  if (!inPlace) return { close: async () => undefined };
  const ds = await openDatabase();
  return { source: ds, close: async () => { if (ds.isInitialized) await ds.destroy(); } };
}

export function registerRestore(program: Command): void {
  program
    .command("restore [snapshot]")
    .description("restore the database as it was at an instant (--to), after a sequence number (--to-seq), as in a snapshot file, or latest; " +
      "into a new database (--target, the default for a point in time) or in place (--clear-existing, after a safety snapshot)")
    .option("--to <time>", "an instant (ISO 8601 with a zone, now, -2h, yesterday 14:05…): the state after the last transaction committed at or before it")
    .addOption(timeZoneOption())
    .option("--to-seq <n>", "journal sequence number: the state after that transaction")
    .option("--target <path|url>", "a SQLite path or file: URL, or a postgres:// URL, that does not exist yet or is empty")
    .option("--clear-existing", "restore in place: replace the rows of the database (--db), after a safety snapshot of them; the only consent to write into a database that holds rows")
    .option("--dry-run", "plan, check checksums and journal coverage, replay into a scratch database and report; change nothing")
    .option("--skip-validation", "skip the checks after the load (row counts, foreign keys)")
    .addOption(storeOption())
    .addOption(databaseOption())
    .addOption(jsonOption("print the result as one JSON object"))
    .addHelpText("after", [
      "",
      "[snapshot] is a snapshot file (path, or name in the store) or \"latest\". A file alone restores its own state, into the",
      "database (--db) unless --target is given; with --to or --to-seq the journal is replayed from it.",
      "",
      "A restore never writes into a database that holds a row (in any table) without --clear-existing, the only consent:",
      "such a database, named by --db, DATABASE_URL or --target in any spelling, is refused (exit 2, nothing changed), also",
      "by --dry-run. A --target that does not exist, or exists and holds no row, is restored into.",
      "--to takes ISO 8601 with a zone (2026-11-26T14:05:00Z, 2026-11-26T15:05:00+01:00), now, -90s, -15m, -2h, -3d,",
      "today 09:00 or yesterday 14:05 (in --tz, else the machine's zone); a zone-less date or time needs --tz. What a",
      "relative form or a zone resolved to is printed on stderr. An instant in the future is refused; one after the",
      "journal's last transaction restores that transaction's state and says so (a note on stderr, journalEndedBefore",
      "in --json); --to-seq beyond the journal's end is an error.",
      "",
      "Examples:",
      "  stocktake-backup restore --to 2026-11-26T14:05:00Z",
      "  stocktake-backup restore --to 'yesterday 14:05' --tz Europe/Berlin --dry-run",
      "  stocktake-backup restore --to-seq 1234 --target ./restored.db",
      "  stocktake-backup restore backup-2026-11-26T10-30-00-000Z.snap --clear-existing",
      "  stocktake-backup restore latest --dry-run",
    ].join("\n"))
    .action(action(async (snapshot: string | undefined, opts: RestoreCliOptions) => {
      const store = existingStore(opts.dir);
      refuseDirectory(store, snapshot);
      if (opts.to !== undefined && opts.toSeq !== undefined) throw new BackupError("BAD_USAGE", "give either --to or --to-seq, not both");
      const to = opts.to === undefined ? undefined : parseInstant(opts.to, { option: "--to", timeZone: opts.tz });
      if (to?.resolved) process.stderr.write(`--to ${opts.to}: using ${to.resolved}\n`);
      const options: RestoreOptions = {
        store,
        snapshot,
        to: to === undefined ? undefined : pastInstant(to.ms, { option: "--to" }),
        toSeq: opts.toSeq === undefined ? undefined : sequenceNumber(opts.toSeq, "--to-seq"),
        target: opts.target,
        clearExisting: opts.clearExisting,
        dryRun: opts.dryRun,
        skipValidation: opts.skipValidation,
      };
      const { source, close } = await sourceFor(snapshot, opts);
      const bar = progressBar(opts.json, "restore {bar} {percentage}% | {phase} | {rows} rows, {frames} frames");
      let result: RestoreResult;
      try {
        result = await restore({ ...options, source, onProgress: (p) => bar.show(p.rows + p.frames, p.totalRows + p.totalFrames,
          { phase: p.table ? `${p.phase} ${p.table}` : p.phase, rows: count(p.rows), frames: count(p.frames) }) });
      } finally {
        bar.stop();
        await close();
      }
      const ended = result.journalEndedBefore;
      if (ended) {
        process.stderr.write(`note: the journal ends at seq ${ended.seq}, committed at ${ended.at}, before the instant asked for (${result.to}): ` +
          "that is the newest state the store holds, and what was restored\n");
      }
      await stdout.write(opts.json ? `${JSON.stringify(result)}\n` : humanText(result));
      return result.success ? 0 : 1;
    }));
}
