/**
 * Which commands read rows out of the store, and what to write in its
 * access log when one starts (src/accessLog.ts): the command, its arguments
 * and the options that choose what it reads. Never a database URL (it may
 * hold a password). Called once per command, by action.ts.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import { accessEntry, ACCESS_LOG, appendAccess } from "../accessLog";
import { refuseLooseStore, resolveStoreDir } from "../store";
import { STORE_FILE } from "../storeIdentity";
import { MANIFEST_FILE } from "../snapshot";

/** Commands that read rows (not only headers, as list and health do). */
const READS_ROWS = new Set(["restore", "log", "export-sql", "audit", "verify", "validate backup"]);

/** Options that say what was read, or how it was shown. */
const WHAT_OPTIONS = ["from", "to", "toSeq", "tz", "table", "key", "dryRun", "showSecrets"];

/** `validate backup`, not `backup`: the names below the program. */
function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

/** Files only a store holds. */
const STORE_MARKS = [STORE_FILE, MANIFEST_FILE, "journal"];

/**
 * The store read: --dir (else $BACKUP_DIR, else ./snapshots); for a snapshot
 * that `validate backup` is given by path, the store it lies in, and none
 * when it lies outside every store (a copy in /tmp is not read out of
 * ./snapshots). Null when there is no store to log in, or one the command
 * will refuse (loose, another user's).
 */
function storeRead(command: string, args: unknown[], dir: string | undefined): string | null {
  let store: string | null = resolveStoreDir(dir);
  const file = args[0];
  // A path (not a name in the store, not "latest"): whether or not the file is there, its folder is what would be read.
  if (command === "validate backup" && typeof file === "string" && (file.includes(path.sep) || fs.existsSync(file))) {
    const folder = path.dirname(path.resolve(file));
    store = folder === store || STORE_MARKS.some((m) => fs.existsSync(path.join(folder, m))) ? folder : null;
  }
  if (store === null) return null;
  const stat = fs.statSync(store, { throwIfNoEntry: false });
  if (!stat?.isDirectory()) return null;
  try {
    refuseLooseStore(store, stat);
  } catch {
    return null;
  }
  return store;
}

/** Appends the command's line to its store's access log when it reads rows; warns, and goes on, when that fails. */
export function recordAccess(command: Command, args: unknown[]): void {
  const name = commandPath(command);
  if (!READS_ROWS.has(name)) return;
  const opts = command.opts<Record<string, unknown>>();
  const positional = args.slice(0, -2).filter((a): a is string => typeof a === "string"); // (…args, opts, command)
  const store = storeRead(name, positional, typeof opts.dir === "string" ? opts.dir : undefined);
  if (store === null) return;
  const read: Record<string, unknown> = { store, ...(positional.length > 0 ? { arguments: positional } : {}) };
  for (const option of WHAT_OPTIONS) if (opts[option] !== undefined) read[option] = opts[option];
  const error = appendAccess(store, accessEntry(name, read));
  if (error !== null) {
    const code = (error as NodeJS.ErrnoException).code;
    process.stderr.write(`warning: this read is not recorded in ${path.join(store, ACCESS_LOG)} (${code ?? error.message}); going on\n`);
  }
}
