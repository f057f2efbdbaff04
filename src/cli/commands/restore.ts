import { SingleBar } from "cli-progress";
import { Command } from "commander";
import type { DataSource } from "typeorm";
import { BackupError } from "../../errors";
import { restore, type RestoreOptions, type RestoreProgress, type RestoreResult } from "../../restore";
import { existingStore, openDatabase } from "../connect";
import { action } from "../run";

interface RestoreCliOptions {
  to?: string;
  toSeq?: string;
  target?: string;
  clearExisting?: boolean;
  dryRun?: boolean;
  skipValidation?: boolean;
  dir?: string;
  db?: string;
  json?: boolean;
}

/** A bar on a terminal only: never in --json, never when stderr goes to a file or a pipe. */
function progressBar(json: boolean | undefined): { update(p: RestoreProgress): void; stop(): void } {
  if (json || !process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar({ format: "restore {bar} {percentage}% | {phase} | {rows} rows, {frames} frames", stream: process.stderr, hideCursor: true, clearOnComplete: true });
  let started = false;
  return {
    update(p) {
      const total = Math.max(1, p.totalRows + p.totalFrames);
      if (!started) { bar.start(total, 0, { phase: p.phase, rows: 0, frames: 0 }); started = true; }
      bar.update(p.rows + p.frames, { phase: p.table ? `${p.phase} ${p.table}` : p.phase, rows: p.rows.toLocaleString("en-US"), frames: p.frames.toLocaleString("en-US") });
    },
    stop: () => { if (started) bar.stop(); },
  };
}

function parseSeq(text: string): number {
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new BackupError("BAD_INPUT", `--to-seq "${text}" is not a sequence number`, "for example --to-seq 1234 (list shows the restorable span)");
  }
  return Number(text);
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
    .option("--to <time>", "ISO 8601 instant: the state after the last transaction committed at or before it")
    .option("--to-seq <n>", "journal sequence number: the state after that transaction")
    .option("--target <path|url>", "a SQLite path or file: URL, or a postgres:// URL, that does not exist yet or is empty")
    .option("--clear-existing", "restore in place: replace the rows of the database (--db), after a safety snapshot of them")
    .option("--dry-run", "plan, check checksums and journal coverage, replay into a scratch database and report; change nothing")
    .option("--skip-validation", "skip the checks after the load (row counts, foreign keys)")
    .option("--dir <path>", "backup store (default $BACKUP_DIR, else ./snapshots)")
    .option("--db <url>", "the app's database: postgres://… URL, file:./x.db or a SQLite path (default $DATABASE_URL, else the app's ormconfig)")
    .option("--json", "print the result as one JSON object")
    .addHelpText("after", [
      "",
      "[snapshot] is a snapshot file (path, or name in the store) or \"latest\". A file alone restores its own state, into the",
      "database (--db) unless --target is given; with --to or --to-seq the journal is replayed from it.",
      "",
      "Examples:",
      "  stocktake-backup restore --to 2026-11-26T14:05:00Z",
      "  stocktake-backup restore --to-seq 1234 --target ./restored.db",
      "  stocktake-backup restore backup-2026-11-26T10-30-00-000Z.snap --clear-existing",
      "  stocktake-backup restore latest --dry-run",
    ].join("\n"))
    .action(action(async (snapshot: string | undefined, opts: RestoreCliOptions) => {
      const store = existingStore(opts.dir);
      const options: RestoreOptions = {
        store,
        snapshot,
        to: opts.to,
        toSeq: opts.toSeq === undefined ? undefined : parseSeq(opts.toSeq),
        target: opts.target,
        clearExisting: opts.clearExisting,
        dryRun: opts.dryRun,
        skipValidation: opts.skipValidation,
      };
      const { source, close } = await sourceFor(snapshot, opts);
      const bar = progressBar(opts.json);
      let result: RestoreResult;
      try {
        result = await restore({ ...options, source, onProgress: (p) => bar.update(p) });
      } finally {
        bar.stop();
        await close();
      }
      process.stdout.write(opts.json ? `${JSON.stringify(result)}\n` : humanText(result));
      return result.success ? 0 : 1;
    }));
}
