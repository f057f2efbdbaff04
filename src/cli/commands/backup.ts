import { Command } from "commander";
import { databaseOption, jsonOption, storeOption } from "../options";
import { count, progressBar } from "../progress";
import { BackupError } from "../../errors";
import type { SnapshotKind } from "../../snapshot";
import type { TakenSnapshot } from "../../snapshot/take";
import { openBackupSource } from "../../backupSource";
import { action } from "../action";
import * as stdout from "../stdout";
import { formatBytes } from "./list";

interface BackupOptions { kind: string; dir?: string; db?: string; json?: boolean; install?: boolean; moveStore?: boolean; acceptGap?: boolean }

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
    .addOption(storeOption())
    .addOption(databaseOption("database"))
    .addOption(jsonOption("print the result as one JSON object: file, path, kind, seq, createdAt, rows, bytes, ms, tables"))
    .option("--install", "install the change capture in a database the changelog was never attached to (otherwise nothing is written to it)")
    .option("--move-store", "make this store the database's store from now on (its old store is lost for good); the journal continues here")
    .option("--accept-gap", "go on after transactions that are lost from the store's journal for good; restores cannot cross the hole")
    .addHelpText("after", "\nExamples:\n  stocktake-backup backup\n  stocktake-backup backup before-upgrade\n" +
      "  stocktake-backup backup --kind daily --db postgres://app@db/stocktake --dir /var/backups/stocktake")
    .action(action(async (name: string | undefined, opts: BackupOptions) => {
      const kind = parseKind(opts.kind, name);
      const cli = await openBackupSource({ db: opts.db, dir: opts.dir, install: opts.install, moveStore: opts.moveStore, acceptGap: opts.acceptGap });
      if (!cli.shipping && cli.why) process.stderr.write(`${cli.why}\n`);
      const bar = progressBar(opts.json, "snapshot {bar} {value}/{total} tables | {rows} rows | {table}");
      let taken: TakenSnapshot;
      try {
        taken = await cli.snapshot({ kind, name, onProgress: (p) => bar.show(p.tablesDone, p.tables, { rows: count(p.rows), table: p.table }) });
      } finally {
        bar.stop();
        await cli.close();
      }
      await stdout.write(opts.json ? `${JSON.stringify(resultJson(taken, kind))}\n` : humanText(taken));
    }));
}
