/**
 * One writer per store: `<journal dir>/LOCK` holds the writer's pid and
 * host. It is created by hard-linking a finished temp file, so nobody ever
 * sees a LOCK without its pid. A LOCK whose process is gone (SIGKILL, power
 * loss) is stale and taken over. A process on another host (a store on a
 * shared file system) cannot be seen from here: its LOCK counts as held,
 * unless the taker holds the database's shipping lease (PostgreSQL), which
 * says no other process of the database ships.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import { hostname } from "node:os";
import * as path from "node:path";
import { BackupError } from "../errors";
import { fsyncDirSync, PRIVATE_DIR, PRIVATE_FILE } from "../durable";
import { readRegularHeadSync } from "../regularFile";
import { journalDir } from "./segment";

/** Locks this process holds: a LOCK with our own pid is ours only if listed here (pids repeat across container restarts). */
const heldHere = new Set<string>();
const HOST = hostname();

export interface LockOptions {
  /** A lock held by a process on another host is stale: the caller knows no other process may hold it (the shipping lease). */
  otherHostsStale?: boolean;
}

/** Who holds a lock: a pid, and its host (absent in locks written before hosts were recorded). */
interface Holder { pid: number; host: string | null }

export class JournalLock {
  private constructor(readonly file: string) {}

  /** Take the lock of the store at storeDir (its journal directory must exist). */
  static acquire(storeDir: string, options: LockOptions = {}): JournalLock {
    const file = path.join(journalDir(storeDir), "LOCK");
    const holder = tryLockFile(file, options);
    if (holder === null) return new JournalLock(file);
    if (holder > 0) {
      throw new BackupError(
        "JOURNAL_LOCKED",
        `journal in ${storeDir} is locked by process ${holder}`,
        `another stocktake-backup writer is running; stop it, or delete ${file} if process ${holder} is not one`,
      );
    }
    throw new BackupError("JOURNAL_LOCKED", `journal in ${storeDir} is locked: could not take ${file}`, "another writer keeps taking the lock; retry");
  }

  release(): void {
    releaseLockFile(this.file);
  }
}

/**
 * Takes the pid lock `file` (the journal's LOCK, or any other lock of the
 * store, such as the schedule's): null when taken, else the pid of the live
 * process that holds it (0 when another taker kept winning the race).
 */
export function tryLockFile(file: string, options: LockOptions = {}): number | null {
  // A few rounds cover losing a race for a stale lock to another process.
  for (let attempt = 0; attempt < 5; attempt++) {
    if (tryCreate(file)) {
      heldHere.add(file);
      return null;
    }
    const holder = readHolder(file);
    if (holder === undefined) continue; // vanished between our create and read: try again
    if (holder !== null && isHeld(file, holder, options)) return holder.pid;
    // Stale. Remove it only if it still names the same dead process, to
    // narrow the window in which two takers could remove each other's lock.
    const again = readHolder(file);
    if (again === holder || (again && holder && again.pid === holder.pid && again.host === holder.host)) fs.rmSync(file, { force: true });
  }
  return 0;
}

function isHeld(file: string, holder: Holder, options: LockOptions): boolean {
  if (holder.host !== null && holder.host !== HOST) return !options.otherHostsStale;
  return holder.pid === process.pid ? heldHere.has(file) : isAlive(holder.pid);
}

/** Lets go of a lock tryLockFile took; a no-op for one this process does not hold. */
export function releaseLockFile(file: string): void {
  if (!heldHere.delete(file)) return;
  const holder = readHolder(file);
  if (holder?.pid === process.pid && (holder.host ?? HOST) === HOST) fs.rmSync(file, { force: true });
}

function tryCreate(file: string): boolean {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}`;
  try {
    // Inside the try: a full disk can create the file and then fail the write, which must not leave it behind.
    fs.writeFileSync(tmp, `${process.pid} ${HOST}\n`, { flag: "wx", mode: PRIVATE_FILE });
    fs.linkSync(tmp, file); // atomic, and fails if LOCK exists (like O_EXCL)
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** A pid and a host name (64 bytes at most on Linux): more of a lock file is never read, whatever its size. */
const MAX_LOCK_BYTES = 160;

/**
 * The holder the lock names; null when unreadable (treated as stale),
 * undefined when there is no lock. A symlink or anything but a regular file
 * there is refused (BAD_INPUT), not followed.
 */
function readHolder(file: string): Holder | null | undefined {
  let text: string;
  try {
    text = readRegularHeadSync(file, MAX_LOCK_BYTES);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  const [pidText, host] = text.trim().split(/\s+/);
  const pid = Number(pidText);
  return Number.isSafeInteger(pid) && pid > 0 ? { pid, host: host || null } : null;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"; // exists, but not ours to signal
  }
}

/**
 * A store folder made by someone else (git's snapshots/, a mkdir under umask
 * 022) becomes its owner's alone the first time the changelog writes into it,
 * as the folders it creates are: it will hold the app's rows.
 */
function makePrivate(storeDir: string): void {
  const stat = fs.statSync(storeDir);
  if ((stat.mode & 0o077) === 0 || stat.uid !== process.getuid?.()) return;
  try {
    fs.chmodSync(storeDir, stat.mode & 0o700);
  } catch {
    // A store on a file system without modes: health reports it, nothing is lost.
  }
}

/** Creates the store's journal directory if needed and takes its lock, before the database is touched. */
export async function lockJournal(storeDir: string, options: LockOptions = {}): Promise<JournalLock> {
  const dir = journalDir(storeDir);
  if (fs.existsSync(storeDir)) {
    makePrivate(storeDir);
    // Not recursive where the store exists: a recursive mkdir reports a read-only file system as ENOENT.
    try {
      await fsp.mkdir(dir, { mode: PRIVATE_DIR });
      fsyncDirSync(storeDir); // a new directory survives a crash only once its parent is synced
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
  } else {
    const created = await fsp.mkdir(dir, { recursive: true, mode: PRIVATE_DIR });
    if (created !== undefined) {
      for (let d = dir; d !== path.dirname(created); d = path.dirname(d)) fsyncDirSync(path.dirname(d));
    }
  }
  return JournalLock.acquire(storeDir, options);
}
