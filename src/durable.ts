/**
 * Making a finished file appear under its name all at once and survive a
 * power cut: fsync the data, switch the name, fsync the directory (without
 * the last step the new directory entry itself may be lost).
 */
import { randomBytes } from "node:crypto";
import * as fsSync from "node:fs";
import { promises as fs } from "node:fs";
import { dirname } from "node:path";

/**
 * `<path>.tmp-<pid>-<8 random hex>`: the pid says who left it, the random
 * part makes it unguessable, so nobody can plant a symlink there in advance.
 * Create it with openTemp (O_EXCL), never with a flag that follows a link.
 */
/** Modes of what a store holds: its owner's alone (umask can only take bits away). */
export const PRIVATE_FILE = 0o600;
export const PRIVATE_DIR = 0o700;

export function tempPathFor(path: string): string {
  return `${path}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
}

/**
 * A new temp file beside `path`, created with O_CREAT | O_EXCL ("wx"): it
 * fails rather than open anything already there, a symlink included, so the
 * data can only go into a file this call created. A name taken (by chance,
 * or by someone who guessed) is skipped for a fresh one. Private (0600):
 * a store holds the app's rows, credentials included, whatever the umask.
 */
export async function openTemp(path: string): Promise<{ temp: string; fh: fs.FileHandle }> {
  for (let attempt = 1; ; attempt++) {
    const temp = tempPathFor(path);
    try {
      return { temp, fh: await fs.open(temp, "wx", PRIVATE_FILE) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST" || attempt >= 5) throw e;
    }
  }
}

/** Syncs a directory, so that the names created or renamed in it survive a power cut (synchronous: for one-time work at open). */
export function fsyncDirSync(dir: string): void {
  const fd = fsSync.openSync(dir, "r");
  try {
    fsSync.fsyncSync(fd);
  } finally {
    fsSync.closeSync(fd);
  }
}

export async function fsyncDir(dir: string): Promise<void> {
  const fh = await fs.open(dir, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Moves a fsynced temp file to `path`. Without `replace`, an existing file at
 * `path` is never overwritten: link() fails atomically when the name exists,
 * where a check followed by rename() could race with another writer.
 * Returns false (and leaves temp in place) when `path` exists.
 */
export async function publish(temp: string, path: string, replace: boolean): Promise<boolean> {
  if (replace) {
    await fs.rename(temp, path);
  } else {
    try {
      await fs.link(temp, path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EEXIST") return false;
      // File systems without hard links: fall back to the racy check.
      if (code !== "EPERM" && code !== "ENOTSUP" && code !== "ENOSYS") throw e;
      if (await exists(path)) return false;
      await fs.rename(temp, path);
    }
    await fs.rm(temp, { force: true });
  }
  await fsyncDir(dirname(path));
  return true;
}

/** Replace `path` with `data` atomically (temp file, fsync, rename, fsync dir). */
export async function writeFileAtomic(path: string, data: string | Buffer): Promise<void> {
  await writeAndPublish(path, data, true);
}

/** Creates `path` holding `data`, all at once; false, and nothing written, when `path` exists. */
export async function writeNewFile(path: string, data: string | Buffer): Promise<boolean> {
  return writeAndPublish(path, data, false);
}

async function writeAndPublish(path: string, data: string | Buffer, replace: boolean): Promise<boolean> {
  const { temp, fh } = await openTemp(path);
  try {
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    const published = await publish(temp, path, replace);
    if (!published) await fs.rm(temp, { force: true });
    return published;
  } catch (e) {
    await fs.rm(temp, { force: true });
    throw e;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await fs.lstat(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw e;
  }
}
