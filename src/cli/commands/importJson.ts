import { Command } from "commander";
import { BackupError } from "../../errors";
import { importJson, oldBackupsIn, type ImportResult } from "../../importJson/importJson";
import { existingStore } from "../../store";
import { action } from "../action";
import { backupErrorOf } from "../failure";
import { jsonOption, storeOption } from "../options";
import { count } from "../progress";
import * as stdout from "../stdout";

interface ImportCliOptions {
  all?: string;
  acceptUnplaced?: boolean;
  dir?: string;
  json?: boolean;
}

type Outcome = ImportResult | { file: string; error: { code: string; message: string; hint?: string } };

function humanLine(o: Outcome): string {
  if ("error" in o) return `FAILED    ${o.file}: ${o.error.message}`;
  if (o.skipped) return `skipped   ${o.file}: imported before, as ${o.snapshot}`;
  const tables = o.report?.tables.length ?? 0;
  return `imported  ${o.file} → ${o.snapshot} (${o.createdAt}, ${count(o.rows)} rows in ${tables} tables)` +
    (o.report?.droppedRelations ?? []).map((d) => `\n  dropped   ${count(d.values)} embedded "${d.field}" value(s) of ${d.table} (redundant: the related rows come from their own tables)`).join("") +
    o.warnings.map((w) => `\n  warning: ${w}`).join("");
}

export function registerImportJson(program: Command): void {
  program
    .command("import-json [file]")
    .description("import an old JSON backup (backup-….json or .json.gz of the old scripts) into the store as a snapshot of kind " +
      "imported, created at the old backup's time; list, restore and export-sql then work on it")
    .option("--all <folder>", "import every old backup of a folder (the old backups/), skipping those imported before")
    .option("--accept-unplaced", "import although tables or fields of the old file match nothing in the schema, or counts differ (each is reported)")
    .addOption(storeOption())
    .addOption(jsonOption("one JSON object per file: file, snapshot, skipped, createdAt, rows, report, warnings (or error)"))
    .addHelpText("after", [
      "",
      "The old rows are placed into the tables of the store's newest snapshot (take one with `backup` first): old table",
      "names (Prisma's stocktakeItem, order, ...) match tables whatever their case and underscores, fields match columns.",
      "Relations the old scripts embedded in each row (objects and lists) are dropped and counted: the rows come from",
      "their own tables. A table or field that matches nothing, or a count that differs from metadata.tables, stops the",
      "import (nothing is written) unless --accept-unplaced. An empty, truncated or damaged file is an error naming it.",
      "Exit status: 0 all imported, 1 warnings or a file of --all failed, 2 bad input.",
      "",
      "Examples:",
      "  stocktake-backup import-json backups/backup-2025-09-12T04-56-55-656Z.json",
      "  stocktake-backup import-json --all ./backups --json",
    ].join("\n"))
    .action(action(async (file: string | undefined, opts: ImportCliOptions) => {
      const store = existingStore(opts.dir);
      if ((file === undefined) === (opts.all === undefined)) throw new BackupError("BAD_USAGE", "give an old backup file, or --all <folder>", "see stocktake-backup import-json --help");
      if (file !== undefined) {
        const result = await importJson({ store, file, acceptUnplaced: opts.acceptUnplaced });
        await stdout.write(opts.json ? `${JSON.stringify(result)}\n` : `${humanLine(result)}\n`);
        return result.warnings.length > 0 ? 1 : 0;
      }
      let status = 0;
      for (const old of oldBackupsIn(opts.all!)) {
        let outcome: Outcome;
        try {
          outcome = await importJson({ store, file: old, acceptUnplaced: opts.acceptUnplaced });
          if (outcome.warnings.length > 0) status = 1;
        } catch (error) {
          // One damaged file must not stop the folder: it is reported, and the others imported.
          const e = backupErrorOf(error);
          outcome = { file: old, error: { code: e.code, message: e.message, hint: e.hint } };
          status = 1;
        }
        await stdout.write(opts.json ? `${JSON.stringify(outcome)}\n` : `${humanLine(outcome)}\n`);
      }
      return status;
    }));
}
