#!/usr/bin/env node
import "reflect-metadata";
import { Command, CommanderError } from "commander";
import { registerBackup } from "./commands/backup";
import { registerList } from "./commands/list";
import { registerLog } from "./commands/log";
import { registerRestore } from "./commands/restore";
import { registerVerify } from "./commands/verify";

const program = new Command("stocktake-backup")
  .description("Backup, point-in-time restore and data integrity for the Stocktake app (any TypeORM app).\n" +
    "The store directory is --dir, else $BACKUP_DIR, else ./snapshots.")
  .showHelpAfterError()
  .exitOverride();

registerLog(program);
registerBackup(program);
registerList(program);
registerRestore(program);
registerVerify(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof CommanderError) {
    // --help and --version end here too, with status 0.
    process.exitCode = error.exitCode === 0 ? 0 : 2;
    return;
  }
  throw error;
});
