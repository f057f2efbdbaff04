/**
 * A path given as a SQLite database is checked before SQLite opens it: a
 * directory, or a file that is not a database (a JSON file, a snapshot, random
 * bytes), is refused with its name, where SQLite would fail later, at the
 * first query, with SQLITE_NOTADB and no name. An empty file is a database
 * (an empty one) to SQLite, so it passes.
 */
import * as fs from "node:fs";
import { BackupError } from "../errors";

const HEADER = Buffer.from("SQLite format 3\0", "latin1");
const HINT = "check --db and --target: give a SQLite database file, or a postgres:// URL";

export function requireSqliteFile(file: string): void {
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  if (stat === undefined) return; // the caller decides whether a missing file is an error
  if (stat.isDirectory()) throw new BackupError("BAD_INPUT", `${file} is a directory, not a SQLite database`, HINT);
  if (stat.size === 0) return;
  const head = Buffer.alloc(HEADER.length);
  const fd = fs.openSync(file, "r");
  try {
    fs.readSync(fd, head, 0, head.length, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (!head.equals(HEADER)) throw new BackupError("BAD_INPUT", `${file} is not a SQLite database (it does not start with SQLite's header)`, HINT);
}
