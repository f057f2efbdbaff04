/**
 * Where the store is: `--dir` (or the `store` option), else $BACKUP_DIR, else
 * ./snapshots; and the one rule for commands that work on a store: it must
 * exist already, so that a mistyped path never starts a second store, and be
 * safe to trust, as ssh trusts a key file: a store another user owns, or
 * anyone may write into, could have been handed files to restore.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { BackupError } from "./errors";

export function resolveStoreDir(dir?: string): string {
  return path.resolve(dir ?? process.env.BACKUP_DIR ?? "snapshots");
}

/** The store directory, which must exist and be a directory. */
export function existingStore(dir?: string): string {
  const resolved = resolveStoreDir(dir);
  const stat = fs.statSync(resolved, { throwIfNoEntry: false });
  if (stat !== undefined && !stat.isDirectory()) {
    throw new BackupError("BAD_INPUT", `backup store ${resolved} is a file, not a directory`, "pass the app's store (a directory) with --dir or $BACKUP_DIR");
  }
  if (stat === undefined) {
    throw new BackupError("NOT_FOUND", `backup store ${resolved} does not exist`,
      "pass the app's store with --dir or $BACKUP_DIR, or create the directory for a new store");
  }
  refuseLooseStore(resolved, stat);
  return resolved;
}

/** A store anyone may write into, or owned by another user (root aside), is refused: its files could be anyone's. */
export function refuseLooseStore(dir: string, stat: fs.Stats): void {
  if ((stat.mode & 0o002) !== 0) {
    throw new BackupError("BAD_INPUT", `backup store ${dir} is writable by every user (mode ${(stat.mode & 0o7777).toString(8)})`,
      `any user could have put files there to be restored: chmod 700 ${dir}`);
  }
  const me = process.getuid?.();
  if (me !== undefined && stat.uid !== me && stat.uid !== 0) {
    throw new BackupError("BAD_INPUT", `backup store ${dir} belongs to another user (uid ${stat.uid}, this process runs as ${me})`,
      `run as the store's owner, or chown -R ${me} ${dir} if the store is yours`);
  }
}
