/**
 * Who left a temporary thing behind, and whether that run is gone. Every
 * scratch folder, scratch database and registration is named with an owner
 * tag: a short id of the host, the pid and the unix second it was made. A
 * later run on the same host removes it when that pid is dead, or alive but
 * started after the tag was made (the pid was reused); a tag of another host
 * (a store on a shared disk, a shared PostgreSQL server) is removed only
 * once it is a day old, since its pid means nothing here.
 */
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";

export interface Owner {
  host: string;
  pid: number;
  /** Unix seconds when the tagged thing was made. */
  since: number;
}

/** 8 hex digits of the host name: enough to tell hosts apart, short enough for PostgreSQL's 63-character names. */
export const HOST_ID = createHash("sha256").update(os.hostname()).digest("hex").slice(0, 8);

/** How old a leftover of another host must be before it is removed. */
export const FOREIGN_AGE_MS = 24 * 3600 * 1000;

/** A fresh tag for something this run is about to make: `<host>_<pid>_<seconds>_<8 hex>` with the separator given. */
export function ownerTag(separator: "-" | "_"): string {
  return [HOST_ID, process.pid, Math.floor(Date.now() / 1000), randomBytes(4).toString("hex")].join(separator);
}

/** The owner in a name that holds a tag (anywhere in it); null for a name without one. */
export function parseOwnerTag(name: string): Owner | null {
  const m = /([0-9a-f]{8})[-_](\d{1,10})[-_](\d{9,11})[-_][0-9a-f]{8}/.exec(name);
  if (m === null) return null;
  return { host: m[1], pid: Number(m[2]), since: Number(m[3]) };
}

export function pidAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"; // exists, but not ours to signal
  }
}

let bootSeconds: number | null | undefined;

/** When a process started, in unix seconds, from /proc (Linux); null where that cannot be read. */
function processStart(pid: number): number | null {
  try {
    if (bootSeconds === undefined) {
      const m = /^btime (\d+)$/m.exec(fs.readFileSync("/proc/stat", "utf8"));
      bootSeconds = m ? Number(m[1]) : null;
    }
    if (bootSeconds === null) return null;
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 22, starttime in clock ticks since boot; the command name (field 2) may hold spaces, so count after its ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[19]);
    return Number.isFinite(ticks) ? bootSeconds + ticks / 100 : null; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

/** Whether the run that made a thing tagged `owner` is gone. */
export function ownerGone(owner: Owner, now = Date.now()): boolean {
  if (owner.host !== HOST_ID) return now - owner.since * 1000 > FOREIGN_AGE_MS;
  if (owner.pid !== process.pid && !pidAlive(owner.pid)) return true;
  const started = processStart(owner.pid);
  // Alive, but started after the thing was made: another process got the pid. (2 s covers the clocks' rounding.)
  return started !== null && started > owner.since + 2;
}
