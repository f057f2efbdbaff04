import * as fs from "node:fs";
import type { Command } from "commander";
import { resolveStoreDir } from "../store";
import { sweepLeftovers } from "../leftovers/sweep";
import { recordAccess } from "./accessRecord";
import { reportFailure } from "./failure";
import * as stdout from "./stdout";

/** The options every command may have that the wrapper reads. */
interface CommonOptions { dir?: string; db?: string; target?: string; json?: boolean }

/**
 * Before any command: what dead runs left in its store (and on the
 * PostgreSQL servers it was given) is removed. Cheap (a few readdirs), and
 * never fails the command.
 */
async function sweepBefore(opts: CommonOptions): Promise<void> {
  const store = resolveStoreDir(opts.dir);
  if (!fs.statSync(store, { throwIfNoEntry: false })?.isDirectory()) return;
  const servers = [opts.db ?? process.env.DATABASE_URL, opts.target].filter((u): u is string => typeof u === "string" && u.trim() !== "");
  await sweepLeftovers(store, { servers: servers.map((u) => u.trim()) }).catch(() => undefined);
}

/**
 * Runs a command's action: leftovers of dead runs swept first, then, for a
 * command that reads rows, one line in the store's access.log; the status it
 * returns (0, or 1 for problems found) once stdout has reached its reader;
 * any error reported in the CLI's one form (failure.ts). A reader of stdout
 * that went away (`| head`) ends the command quietly with status 0.
 */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<number | void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const command = args[args.length - 1] as Command;
    const opts = command.opts<CommonOptions>();
    try {
      await sweepBefore(opts);
      recordAccess(command, args);
      const status = (await fn(...args)) ?? 0;
      await stdout.flush();
      process.exitCode = status;
    } catch (error) {
      if (error instanceof stdout.ReaderGone) {
        process.exitCode = 0;
        return;
      }
      await reportFailure(error, { json: opts.json, command: command.name() });
    }
  };
}
