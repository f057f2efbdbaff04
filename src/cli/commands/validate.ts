/**
 * `validate data | backup <file> | report`: the integrity rules over the
 * live database, over a snapshot file, or over the live database with the
 * report written into the store (the old validate:data, validate:backup and
 * validate:report). Exit status 0 clean, 1 findings (or a damaged file), 2
 * bad input.
 */
import { Command } from "commander";
import { action } from "../action";
import { validationJson, validationStatus, validationText } from "../findingsText";
import { databaseOption, jsonOption, showSecretsOption, storeOption } from "../options";
import { rulesOption } from "../rulesModule";
import { validateLive } from "../liveValidation";
import * as stdout from "../stdout";
import { registerValidateBackup } from "./validateBackup";
import { registerValidateReport } from "./validateReport";

interface DataOptions { dir?: string; db?: string; json?: boolean; rules?: string; showSecrets?: boolean }

export function registerValidate(program: Command): void {
  const validate = program
    .command("validate")
    .description("run the integrity rules: over the live database (data), a snapshot file (backup) or with a report into the store (report)");
  validate
    .command("data")
    .description("run the integrity rules over the live database, in one consistent read: orphaned foreign keys, duplicates in unique " +
      "columns, NULL in NOT NULL columns, values outside their type, and the app's rules (negative quantities, future dates, " +
      "duplicate usernames and item names, totals that are not the sum of their lines). Changes nothing. Exit status 1 on findings")
    .addOption(storeOption())
    .addOption(databaseOption())
    .addOption(rulesOption())
    .addOption(showSecretsOption())
    .addOption(jsonOption("print the result as one JSON object: status, issues, warnings, seq, checkedAt, rows, findings (rule, severity, table, key, message, seq, at), counts"))
    .addHelpText("after", "\nExamples:\n  stocktake-backup validate data\n  stocktake-backup validate data --db postgres://app@db/stocktake --json\n" +
      "  stocktake-backup validate data --rules generic      # only the rules read from the schema")
    .action(action(async (opts: DataOptions) => {
      const result = await validateLive(opts);
      await stdout.write(opts.json ? `${validationJson(result)}\n` : validationText(result, "the live database"));
      return validationStatus(result);
    }));
  registerValidateBackup(validate);
  registerValidateReport(validate);
}
