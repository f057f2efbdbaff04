#!/usr/bin/env node
import "reflect-metadata";
import { Command, CommanderError } from "commander";
import { BackupError } from "../errors";
import { registerAudit } from "./commands/audit";
import { registerAuto } from "./commands/auto";
import { registerBackup } from "./commands/backup";
import { registerHealth } from "./commands/health";
import { registerExportSql } from "./commands/exportSql";
import { registerImportJson } from "./commands/importJson";
import { registerCleanup } from "./commands/cleanup";
import { registerList } from "./commands/list";
import { registerLog } from "./commands/log";
import { registerRestore } from "./commands/restore";
import { registerValidate } from "./commands/validate";
import { registerVerify } from "./commands/verify";
import { ERROR_HELP, reportFailure } from "./failure";
import * as stdout from "./stdout";

const program = new Command("stocktake-backup")
  .description("Backup, point-in-time restore and data integrity for the Stocktake app (any TypeORM app).\n" +
    "The store directory is --dir, else $BACKUP_DIR, else ./snapshots.")
  .exitOverride();

registerLog(program);
registerBackup(program);
registerList(program);
registerRestore(program);
registerVerify(program);
registerAuto(program);
registerHealth(program);
registerExportSql(program);
registerImportJson(program);
registerCleanup(program);
registerValidate(program);
registerAudit(program);

/**
 * Commander's own errors (an unknown command or option, a missing argument)
 * in the CLI's one form: one line, with commander's "did you mean" folded
 * in, and a hint naming the help of the command they concern.
 */
let failedCommand: string | undefined;
for (const command of [program, ...program.commands]) {
  command.addHelpText("after", ERROR_HELP);
  command.configureOutput({
    outputError: () => { failedCommand = command === program ? undefined : command.name(); },
  });
}

function usageError(error: CommanderError): BackupError {
  const message = error.message.replace(/^error: /, "").replace(/\s*\n\s*\(Did you mean (.*)\)\s*$/s, " (did you mean $1)");
  const help = failedCommand ? `stocktake-backup ${failedCommand} --help` : "stocktake-backup --help";
  return new BackupError("BAD_USAGE", message, `see ${help}`);
}

stdout.listen(); // a reader that goes away (--help | head) is not an error

// Last resort: nothing may end in a stack trace by default, not even an error outside a command's action.
for (const event of ["uncaughtException", "unhandledRejection"] as const) {
  process.on(event, (error: unknown) => {
    void reportFailure(error, { json: process.argv.includes("--json") }).finally(() => process.exit(process.exitCode ?? 1));
  });
}

program.parseAsync(process.argv).catch(async (error: unknown) => {
  if (error instanceof CommanderError) {
    // --help ends here with status 0; no command at all shows the help on stderr, status 2.
    if (error.exitCode === 0) return;
    if (error.code === "commander.help" || error.code === "commander.helpDisplayed") {
      process.exitCode = 2;
      return;
    }
    await reportFailure(usageError(error), { json: process.argv.includes("--json") });
    return;
  }
  await reportFailure(error, { json: process.argv.includes("--json") });
});
