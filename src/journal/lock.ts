/**
 * One writer per store: `<journal dir>/LOCK` holds the writer's pid. It is
 * created by hard-linking a finished temp file, so nobody ever sees a LOCK
 * without its pid. A LOCK whose process is gone (SIGKILL, power loss) is
 * stale and taken over.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { BackupError } from "../errors";
import { journalDir } from "./segment";

/** Locks this process holds: a LOCK with our own pid is ours only if listed here (pids repeat across container restarts). */
const heldHere = new Set<string>();

export class JournalLock {
  private constructor(readonly file: string) {}

  /** Take the lock of the store at storeDir (its journal directory must exist). */
  static acquire(storeDir: string): JournalLock {
    const file = path.join(journalDir(storeDir), "LOCK");
    // A few rounds cover losing a race for a stale lock to another process.
    for (let attempt = 0; attempt < 5; attempt++) {
      if (tryCreate(file)) {
        heldHere.add(file);
        return new JournalLock(file);
      }
      const pid = readPid(file);
      if (pid === undefined) continue; // vanished between our create and read: try again
      if (pid !== null && (pid === process.pid ? heldHere.has(file) : isAlive(pid))) {
        throw new BackupError(
          "JOURNAL_LOCKED",
          `journal in ${storeDir} is locked by process ${pid}`,
          `another stocktake-backup writer is running; stop it, or delete ${file} if process ${pid} is not one`,
        );
      }
      // Stale. Remove it only if it still names the same dead process, to
      // narrow the window in which two takers could remove each other's lock.
      if (readPid(file) === pid) fs.rmSync(file, { force: true });
    }
    throw new BackupError("JOURNAL_LOCKED", `journal in ${storeDir} is locked: could not take ${file}`, "another writer keeps taking the lock; retry");
  }

  release(): void {
    if (!heldHere.delete(this.file)) return;
    if (readPid(this.file) === process.pid) fs.rmSync(this.file, { force: true });
  }
}

function tryCreate(file: string): boolean {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  fs.writeFileSync(tmp, `${process.pid}\n`, { flag: "wx" });
  try {
    fs.linkSync(tmp, file); // atomic, and fails if LOCK exists (like O_EXCL)
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** The pid in the lock; null when unreadable (treated as stale), undefined when there is no lock. */
function readPid(file: string): number | null | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  const pid = Number(text.trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"; // exists, but not ours to signal
  }
}
