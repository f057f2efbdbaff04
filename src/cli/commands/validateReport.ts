import type { Command } from "commander";
import { writeReport } from "../../integrity/report";
import { existingStore } from "../../store";
import { action } from "../action";
import { validationStatus, validationText } from "../findingsText";
import { databaseOption, jsonOption, showSecretsOption, storeOption } from "../options";
import { rulesOption } from "../rulesModule";
import * as stdout from "../stdout";
import { jsonText } from "../../db/jsonText";
import { validateLive } from "../liveValidation";

interface ReportOptions { dir?: string; db?: string; json?: boolean; rules?: string; showSecrets?: boolean }

export function registerValidateReport(validate: Command): void {
  validate
    .command("report")
    .description("run the integrity rules over the live database and write integrity-report-<ms>.json into the store (findings, counts per " +
      "rule and table, the seq and instant checked, recommendations); print a summary. Exit status 1 on findings")
    .addOption(storeOption())
    .addOption(databaseOption())
    .addOption(rulesOption())
    .addOption(showSecretsOption())
    .addOption(jsonOption("print { report: <path>, status, issues, warnings, seq, checkedAt, findingsTotal, counts } as one JSON object"))
    .addHelpText("after", "\nExamples:\n  stocktake-backup validate report\n  stocktake-backup validate report --dir /var/backups/stocktake --json")
    .action(action(async (opts: ReportOptions) => {
      const store = existingStore(opts.dir);
      const result = await validateLive(opts);
      const { path } = await writeReport(store, result);
      const { status, issues, warnings, seq, checkedAt, findingsTotal, counts } = result;
      await stdout.write(opts.json ? `${jsonText({ report: path, status, issues, warnings, seq, checkedAt, findingsTotal, counts })}\n`
        : `${validationText(result, "the live database")}  report    ${path}\n`);
      return validationStatus(result);
    }));
}
