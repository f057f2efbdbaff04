import * as fs from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import { listUserTables } from "../../db/catalog";
import { openDatabase } from "../../db/connect";
import { BackupError } from "../../errors";
import { type BackupValidation, validateBackup } from "../../integrity/backup";
import { listSnapshots } from "../../snapshot";
import { existingStore, resolveStoreDir } from "../../store";
import { action } from "../action";
import { shownResult, validationJson, validationStatus, validationText } from "../findingsText";
import { secretsFor } from "../../secrets";
import { databaseOption, jsonOption, showSecretsOption, storeOption } from "../options";
import { count, progressBar } from "../progress";
import { loadRules, rulesOption } from "../rulesModule";
import * as stdout from "../stdout";

interface BackupOptions { dir?: string; db?: string; json?: boolean; rules?: string; showSecrets?: boolean }

/** A snapshot named by path, by file name in the store, or "latest": the store's newest (a safety snapshot is no backup). */
async function snapshotPath(file: string, dir?: string): Promise<string> {
  if (file === "latest") {
    const store = existingStore(dir);
    const { snapshots } = await listSnapshots(store);
    const newest = snapshots.filter((s) => s.kind !== "safety").sort((a, b) => b.seq - a.seq || b.createdAt - a.createdAt)[0];
    if (!newest) throw new BackupError("NOT_FOUND", `no snapshots in ${store}`, "take one with `backup`");
    return path.join(store, newest.file);
  }
  if (fs.existsSync(file)) return path.resolve(file);
  const inStore = path.join(resolveStoreDir(dir), file);
  if (fs.existsSync(inStore)) return inStore;
  throw new BackupError("NOT_FOUND", `backup ${file} does not exist (nor in the store ${resolveStoreDir(dir)})`, "list shows the snapshots in the store");
}

/** The live database's tables, when --db or DATABASE_URL names one; else none (the snapshot's own references say what it needs). */
async function liveTables(db: string | undefined): Promise<string[] | undefined> {
  if ((db ?? process.env.DATABASE_URL ?? "").trim() === "") return undefined;
  const ds = await openDatabase(db);
  try {
    return await listUserTables(ds);
  } finally {
    await ds.destroy();
  }
}

export function registerValidateBackup(validate: Command): void {
  validate
    .command("backup <file>")
    .description("check a snapshot file: its structure and checksums, every table present (those of --db's database, and those its " +
      "foreign keys name), row counts equal to its trailer, the integrity rules over its rows, and for the newest snapshot of a store " +
      "that the journal after it replays to its end. Changes nothing. Exit status 1 on any problem")
    .addOption(storeOption())
    .addOption(databaseOption("the database the backup must cover (every table of it present)"))
    .addOption(rulesOption())
    .addOption(showSecretsOption())
    .addOption(jsonOption("print the result as one JSON object: file, intact, status, issues, warnings, seq, findings, counts"))
    .addHelpText("after", "\n<file> is a snapshot file (a path, or a name in the store) or \"latest\", the store's newest.\n" +
      "\nExamples:\n  stocktake-backup validate backup latest\n  stocktake-backup validate backup snapshots/manual-2026-11-26T14-05-00Z.snap\n" +
      "  stocktake-backup validate backup daily-backup-2026-11-26.snap --dir /var/backups/stocktake --json")
    .action(action(async (file: string, opts: BackupOptions) => {
      const rules = loadRules(opts.rules);
      const target = await snapshotPath(file, opts.dir);
      const requiredTables = await liveTables(opts.db);
      const bar = progressBar(opts.json, "validate {bar} {value}/{total} rows | {table}");
      const secrets = secretsFor(opts);
      let result: BackupValidation;
      try {
        result = await validateBackup(target, { rules, requiredTables, secrets, onProgress: (p) => bar.show(p.rows, p.totalRows, { table: p.table, rows: count(p.rows) }) });
      } finally {
        bar.stop();
      }
      result = shownResult(result, secrets);
      await stdout.write(opts.json ? `${validationJson(result)}\n` : validationText(result, `backup ${target}`));
      return validationStatus(result);
    }));
}
