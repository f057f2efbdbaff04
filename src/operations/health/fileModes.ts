/**
 * Files and folders of the store that others may read or write: a store
 * holds the app's rows, credentials included, and everything this tool
 * writes is its owner's alone (0600, folders 0700). A store made before
 * that, or a file copied in, is reported (with the chmod that fixes it),
 * never changed: health writes nothing.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export interface LooseModes {
  /** Entries (relative to the store) that group or others may use, with their mode in octal; at most `limit`. */
  loose: { entry: string; mode: string }[];
  /** How many there are in all. */
  count: number;
}

export function looseModes(dir: string, limit = 5): LooseModes {
  const loose: LooseModes["loose"] = [];
  let count = 0;
  const visit = (full: string) => {
    const stat = fs.lstatSync(full, { throwIfNoEntry: false });
    if (stat === undefined || stat.isSymbolicLink()) return;
    // An empty file (git's snapshots/.gitkeep) holds nothing to read.
    const holdsData = stat.isDirectory() || stat.size > 0;
    if (holdsData && (stat.mode & 0o077) !== 0) {
      count++;
      if (loose.length < limit) loose.push({ entry: path.relative(dir, full) || ".", mode: (stat.mode & 0o777).toString(8) });
    }
    if (stat.isDirectory()) for (const name of fs.readdirSync(full)) visit(path.join(full, name));
  };
  visit(dir);
  return { loose, count };
}
