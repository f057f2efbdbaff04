/**
 * Making a finished file appear under its name all at once and survive a
 * power cut: fsync the data, switch the name, fsync the directory (without
 * the last step the new directory entry itself may be lost).
 */
import { promises as fs } from "node:fs";
import { dirname } from "node:path";

export function tempPathFor(path: string): string {
  return `${path}.tmp-${process.pid}`;
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
  const temp = tempPathFor(path);
  try {
    const fh = await fs.open(temp, "w");
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await publish(temp, path, true);
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
