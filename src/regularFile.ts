/**
 * Opening a file of the store by its name for reading, as a regular file
 * only: never through a symlink (O_NOFOLLOW: one planted in the store must
 * not lead a read outside it), never waiting on a FIFO or device planted
 * under the name (O_NONBLOCK, then refused after fstat: a FIFO would block
 * the open forever, /dev/zero would never end). Anything but a regular file
 * is a BackupError naming it.
 */
import * as fs from "node:fs";
import { BackupError } from "./errors";

const READ_NO_FOLLOW = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK;

function notRegular(file: string, what: string): BackupError {
  return new BackupError("BAD_INPUT", `${file} is ${what}, not a regular file: it is not followed or read`,
    "a store holds regular files only: replace it with the file itself, or remove it");
}

function refused(file: string, error: unknown): BackupError | null {
  return (error as NodeJS.ErrnoException).code === "ELOOP" ? notRegular(file, "a symbolic link") : null;
}

function kindOf(stat: fs.Stats): string {
  return stat.isDirectory() ? "a directory" : stat.isFIFO() ? "a FIFO" : stat.isSocket() ? "a socket" : stat.isCharacterDevice() || stat.isBlockDevice() ? "a device" : "not a file";
}

/** A read-only descriptor of the regular file `file`, and its size. */
export function openRegularSync(file: string): { fd: number; size: number } {
  let fd: number;
  try {
    fd = fs.openSync(file, READ_NO_FOLLOW);
  } catch (e) {
    throw refused(file, e) ?? e;
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw notRegular(file, kindOf(stat));
    return { fd, size: stat.size };
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
}

/** As openRegularSync, for async readers. */
export async function openRegular(file: string): Promise<{ fh: fs.promises.FileHandle; size: number }> {
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(file, READ_NO_FOLLOW);
  } catch (e) {
    throw refused(file, e) ?? e;
  }
  try {
    const stat = await fh.stat();
    if (!stat.isFile()) throw notRegular(file, kindOf(stat));
    return { fh, size: stat.size };
  } catch (e) {
    await fh.close();
    throw e;
  }
}

/** The first `maxBytes` of a regular file, as text (a lock holds a pid, not gigabytes: the rest is never read). */
export function readRegularHeadSync(file: string, maxBytes: number): string {
  const { fd, size } = openRegularSync(file);
  try {
    const buf = Buffer.alloc(Math.min(size, maxBytes));
    let got = 0;
    while (got < buf.length) {
      const n = fs.readSync(fd, buf, got, buf.length - got, got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got).toString("utf8");
  } finally {
    fs.closeSync(fd);
  }
}

/** The files read whole (store.json, schedule.json, reports) are small; one bigger than this is not one of them. */
export const MAX_TEXT_BYTES = 64 << 20;

function tooBig(file: string, size: number, maxBytes: number): BackupError {
  return new BackupError("BAD_INPUT", `${file} is ${size} bytes, more than the ${maxBytes} such a file can hold: it is not read`,
    "it was not written by stocktake-backup: restore it from a copy, or remove it");
}

/** The whole text of a regular file; one larger than `maxBytes` is refused before it is read. */
export function readRegularTextSync(file: string, maxBytes = MAX_TEXT_BYTES): string {
  const { fd, size } = openRegularSync(file);
  try {
    if (size > maxBytes) throw tooBig(file, size, maxBytes);
    return fs.readFileSync(fd, "utf8");
  } finally {
    fs.closeSync(fd);
  }
}

/** As readRegularTextSync, for async readers. */
export async function readRegularText(file: string, maxBytes = MAX_TEXT_BYTES): Promise<string> {
  const { fh, size } = await openRegular(file);
  try {
    if (size > maxBytes) throw tooBig(file, size, maxBytes);
    return await fh.readFile("utf8");
  } finally {
    await fh.close();
  }
}
