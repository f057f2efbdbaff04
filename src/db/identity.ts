/**
 * Whether two locations name the same database, however they are spelled:
 * a restore must know when its --target is the live database itself
 * (`./app.db`, `/abs/app.db`, `file:./app.db?mode=rw`, a symlink or a hard
 * link to it; `postgres://` or `postgresql://`, localhost or 127.0.0.1, a
 * default port or an explicit one, a query string).
 * - SQLite: the file's device and inode when it exists, else its absolute
 *   path with the directory's symlinks resolved;
 * - PostgreSQL: host, port and database name as the pg driver itself reads
 *   them from the URL (with its defaults), the host lower-cased and the
 *   names of this machine (loopback addresses, a Unix socket directory)
 *   taken as one.
 * A mistake here cannot write into a database without consent: a target
 * taken for another database is opened as a new target, which must be empty.
 */
import { realpathSync, statSync } from "node:fs";
import * as path from "node:path";
import { Client } from "pg";
import { dataSourceOptionsFromUrl } from "./connect";

const LOCAL_HOSTS = /^(localhost|127(\.\d{1,3}){3}|::1|0:0:0:0:0:0:0:1)$/;

function sqliteIdentity(file: string): string {
  if (file === ":memory:" || file === "") return `sqlite-memory:${Math.random()}`;
  const stat = statSync(file, { throwIfNoEntry: false });
  if (stat) return `sqlite-inode:${stat.dev}:${stat.ino}`;
  const absolute = path.resolve(file);
  let dir = path.dirname(absolute);
  try { dir = realpathSync(dir); } catch { /* a directory that does not exist yet: its spelling is all there is */ }
  return `sqlite-path:${path.join(dir, path.basename(absolute))}`;
}

function postgresIdentity(url: string): string {
  const parsed = new Client({ connectionString: url });
  const rawHost = String(parsed.host ?? "").toLowerCase().replace(/^\[|\]$/g, "");
  const host = rawHost === "" || rawHost.startsWith("/") || LOCAL_HOSTS.test(rawHost) ? "this-machine" : rawHost;
  return `postgres:${host}:${parsed.port}/${parsed.database ?? parsed.user ?? ""}`;
}

/** A key equal for every spelling of one database (see above). */
export function databaseIdentity(location: string): string {
  const options = dataSourceOptionsFromUrl(location);
  return options.type === "postgres" ? postgresIdentity(location) : sqliteIdentity(String((options as { database: string }).database));
}

export function sameDatabase(a: string, b: string): boolean {
  return databaseIdentity(a) === databaseIdentity(b);
}
