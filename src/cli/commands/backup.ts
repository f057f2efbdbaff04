import { SingleBar } from "cli-progress";
import { Command } from "commander";
import { BackupError } from "../../errors";
import type { SnapshotKind } from "../../snapshot";
import type { SnapshotProgress, TakenSnapshot } from "../../snapshot/take";
import { openChangelogForCli } from "../connect";
import { action } from "../run";
import { formatBytes } from "./list";

interface BackupOptions { kind: string; dir?: string; db?: string; json?: boolean }

/** "safety" is the restore's own kind, not one to ask for. */
const KINDS = ["manual", "daily", "weekly", "monthly"] as const;

function parseKind(text: string, name: string | undefined): SnapshotKind {
  const kind = KINDS.find((k) => k === text);
  if (kind === undefined) throw new BackupError("BAD_USAGE", `--kind "${text}" is not a snapshot kind`, `use one of ${KINDS.join(", ")}`);
  if (name !== undefined && kind !== "manual") {
    throw new BackupError("BAD_USAGE", `a ${kind} snapshot is named by its date; only a manual one takes a name`, `drop "${name}" or --kind ${kind}`);
  }
  return kind;
}

/** A bar on a terminal only: never in --json, never when stderr goes to a file or a pipe. */
function progressBar(json: boolean | undefined): { update(p: SnapshotProgress): void; stop(): void } {
  if (json || !process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar({ format: "snapshot {bar} {value}/{total} tables | {rows} rows | {table}", stream: process.stderr, hideCursor: true, clearOnComplete: true });
  let started = false;
  return {
    update(p) {
      if (!started) { bar.start(p.tables, 0, { rows: 0, table: "" }); started = true; }
      bar.update(p.tablesDone, { rows: p.rows.toLocaleString("en-US"), table: p.table });
    },
    stop: () => { if (started) bar.stop(); },
  };
}

function resultJson(t: TakenSnapshot, kind: SnapshotKind) {
  return {
    file: t.file, path: t.path, kind, seq: t.seq, createdAt: new Date(t.createdAt).toISOString(),
    rows: t.rows, bytes: t.bytes, ms: Math.round(t.ms), tables: t.tables.map(({ name, rows }) => ({ name, rows })),
  };
}

function humanText(t: TakenSnapshot): string {
  const seconds = t.ms / 1000;
  return [
    `snapshot ${t.file}`,
    `  path  ${t.path}`,
    `  seq   ${t.seq}`,
    `  rows  ${t.rows.toLocaleString("en-US")} in ${t.tables.length} tables`,
    `  size  ${formatBytes(t.bytes)}`,
    `  time  ${seconds.toFixed(2)} s (${Math.round(t.rows / Math.max(seconds, 0.001)).toLocaleString("en-US")} rows/s)`,
  ].join("\n") + "\n";
}

export function registerBackup(program: Command): void {
  program
    .command("backup [name]")
    .description("take a snapshot of the database: every table, exactly as after one transaction, while the app keeps writing")
    .option("--kind <kind>", `${KINDS.join(" | ")}; scheduled kinds are named by date (daily-backup-<date>.snap)`, "manual")
    .option("--dir <path>", "backup store (default $BACKUP_DIR, else ./snapshots); must exist")
    .option("--db <url>", "database: postgres://… URL, file:./x.db or a SQLite path (default $DATABASE_URL, else the app's ormconfig)")
    .option("--json", "print the result as one JSON object: file, path, kind, seq, createdAt, rows, bytes, ms, tables")
    .addHelpText("after", "\nExamples:\n  stocktake-backup backup\n  stocktake-backup backup before-upgrade\n" +
      "  stocktake-backup backup --kind daily --db postgres://app@db/stocktake --dir /var/backups/stocktake")
    .action(action(async (name: string | undefined, opts: BackupOptions) => {
      const kind = parseKind(opts.kind, name);
      const cli = await openChangelogForCli({ db: opts.db, dir: opts.dir });
      if (!cli.shipping) process.stderr.write("the store's journal is held by another process (the running app), which ships it; taking the snapshot without it\n");
      const bar = progressBar(opts.json);
      let taken: TakenSnapshot;
      try {
        taken = await cli.snapshot({ kind, name, onProgress: (p) => bar.update(p) });
      } finally {
        bar.stop();
        await cli.close();
      }
      process.stdout.write(opts.json ? `${JSON.stringify(resultJson(taken, kind))}\n` : humanText(taken));
    }));
}
