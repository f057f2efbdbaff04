/**
 * `<store>/access.log`: who read rows out of the store, when, and what. One
 * JSON object per line (JSON Lines: grep it, or parse each line), appended
 * when a command starts reading, so that a command killed half-way is
 * logged too. The file is its owner's alone (0600, whatever the umask) and
 * only ever opened with O_APPEND, never rewritten; it is not a symlink
 * (O_NOFOLLOW: a link planted there could make it append elsewhere).
 *
 * Logging never stops a read: a store on a read-only disk still restores,
 * with a warning on stderr that the read was not recorded.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PRIVATE_FILE } from "./durable";

export const ACCESS_LOG = "access.log";

export interface AccessEntry {
  /** ISO 8601, UTC. */
  time: string;
  user: string;
  uid: number | null;
  pid: number;
  /** The command as typed: `restore`, `validate backup`… */
  command: string;
  /** What it was asked to read: snapshot names or paths, seqs, instants, as given. */
  read: Record<string, unknown>;
}

function whoAmI(): { user: string; uid: number | null } {
  try {
    const info = os.userInfo();
    return { user: info.username, uid: info.uid >= 0 ? info.uid : null };
  } catch {
    // A uid with no passwd entry (a container's): the uid still says who.
    return { user: String(process.getuid?.() ?? "unknown"), uid: process.getuid?.() ?? null };
  }
}

export function accessEntry(command: string, read: Record<string, unknown>, now = new Date()): AccessEntry {
  return { time: now.toISOString(), ...whoAmI(), pid: process.pid, command, read };
}

/**
 * Appends `entry` to the store's access log, creating it 0600. One write(2)
 * of one line with O_APPEND: concurrent commands never interleave within a
 * line. Returns the error instead of throwing, for the caller to warn about.
 */
export function appendAccess(store: string, entry: AccessEntry): Error | null {
  const file = path.join(store, ACCESS_LOG);
  let fd: number | null = null;
  try {
    fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW, PRIVATE_FILE);
    const stat = fs.fstatSync(fd);
    // One made before this version, or copied in: made private again (a file another user owns is left as it is).
    if ((stat.mode & 0o077) !== 0 && stat.uid === process.getuid?.()) fs.fchmodSync(fd, PRIVATE_FILE);
    fs.writeSync(fd, `${JSON.stringify(entry)}\n`);
    return null;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}
