/**
 * What dead runs left, removed by the next run of any command (cli/run.ts
 * calls sweepLeftovers first): temporary files in the store
 * (`<final>.tmp-<pid>-<8 hex>`, the older `<final>.tmp-<pid>`, the journal's
 * `LOCK.<pid>.<random>`), scratch folders and registered targets under
 * `<store>/scratch/` (scratch.ts), scratch folders in the system's temporary
 * folder, and `stk_scratch_*` databases on the PostgreSQL servers the command
 * was given. A leftover is removed only when its run is gone (owner.ts);
 * anything else is left alone. Never fails the command: a store it cannot
 * write is left as it is.
 */
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Client } from "pg";
import { quoteIdent as q } from "../db/sql";
import { readRegularText } from "../regularFile";
import { FOREIGN_AGE_MS, HOST_ID, type Owner, ownerGone, parseOwnerTag, pidAlive } from "./owner";
import { databaseComment, parseRegistered, PG_SCRATCH_PREFIX, type Registered, scratchEntries, scratchRoot, TMP_SCRATCH_PREFIX } from "./scratch";

export interface SweepOptions {
  /**
   * PostgreSQL URLs the command was given (--db, --target): their servers'
   * `stk_scratch_*` databases are swept, and their passwords reach the
   * databases registered in the store (registrations keep no password).
   */
  servers?: string[];
}

/** Temporary files: the convention's `.tmp-<pid>-<8 hex>`, the older `.tmp-<pid>`, and the journal lock's own. */
const TEMP_FILE = /\.tmp-(\d+)(?:-[0-9a-f]{8})?$/;
const LOCK_TEMP = /^LOCK\.(\d+)\.[0-9a-z]+$/;
const PG_TIMEOUT_MS = 3000;

/** A temporary file's run is gone when its pid is dead, or when nothing wrote it for a day (its pid was reused). */
async function tempFileGone(file: string, pid: number): Promise<boolean> {
  if (pid !== process.pid && !pidAlive(pid)) return true;
  const stat = await fs.lstat(file).catch(() => null);
  return stat !== null && Date.now() - stat.mtimeMs > FOREIGN_AGE_MS;
}

async function sweepTempFiles(dir: string, removed: string[]): Promise<void> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const m = TEMP_FILE.exec(name) ?? (path.basename(dir) === "journal" ? LOCK_TEMP.exec(name) : null);
    if (m === null) continue;
    const file = path.join(dir, name);
    if (!(await tempFileGone(file, Number(m[1])))) continue;
    // rm, not unlink through a link: a symlink planted under such a name is removed, not followed.
    if (await fs.rm(file, { force: true }).then(() => true, () => false)) removed.push(file);
  }
}

/** A SQLite file being built (`<target>.restoring`) and its sidecars. */
async function removeSqliteFile(file: string): Promise<void> {
  for (const suffix of ["", "-journal", "-wal", "-shm"]) await fs.rm(file + suffix, { force: true });
}

/** The server URL with the password of a URL the command was given for the same server and user. */
function withPassword(server: string, given: string[]): string {
  try {
    const u = new URL(server);
    for (const g of given) {
      const v = new URL(g);
      if (v.hostname === u.hostname && (v.port || "5432") === (u.port || "5432") && v.username === u.username && v.password) {
        u.password = v.password;
        break;
      }
    }
    return u.toString();
  } catch {
    return server;
  }
}

async function withServer<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const u = new URL(url);
  u.pathname = "/postgres";
  const client = new Client({ connectionString: u.toString(), connectionTimeoutMillis: PG_TIMEOUT_MS });
  client.on("error", () => undefined); // a server that goes away mid-sweep must not crash the command
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Drops a registered database only if its comment proves it is the registration's (not a newer run's of the same name). */
async function dropRegistered(item: Extract<Registered, { kind: "postgres-database" }>, tag: string, given: string[]): Promise<boolean> {
  if (!item.database.endsWith("__restoring") && !item.database.startsWith(PG_SCRATCH_PREFIX)) return false;
  return withServer(withPassword(item.server, given), async (client) => {
    const r = await client.query("SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1", [item.database]);
    if (r.rowCount === 0) return true;
    // No comment yet: the run died between CREATE DATABASE and COMMENT ON it (the two cannot share a transaction).
    if (r.rows[0].comment !== databaseComment(tag) && r.rows[0].comment !== null) return false;
    // Its run is dead: sessions still open on it are that run's, not yet noticed by the server.
    await client.query(`DROP DATABASE IF EXISTS ${q(item.database)} WITH (FORCE)`);
    return true;
  });
}

async function sweepScratch(store: string, given: string[], removed: string[]): Promise<void> {
  const entries = await scratchEntries(store);
  const root = scratchRoot(store);
  const registrations: { name: string; owner: Owner; item: Registered | null }[] = [];
  for (const entry of entries) {
    const owner = parseOwnerTag(entry.name);
    if (owner === null) continue;
    const file = path.join(root, entry.name);
    if (entry.folder) {
      if (ownerGone(owner) && (await fs.rm(file, { recursive: true, force: true }).then(() => true, () => false))) removed.push(file);
    } else if (entry.name.endsWith(".json")) {
      registrations.push({ name: entry.name, owner, item: parseRegistered(await readRegularText(file, 64 << 10).catch(() => "")) });
    }
  }
  // A file a live run registered too is that run's now (it restores to the same target): not removed.
  const livePaths = new Set(registrations.filter((r) => !ownerGone(r.owner) && r.item?.kind === "sqlite-file").map((r) => (r.item as { path: string }).path));
  for (const r of registrations) {
    if (!ownerGone(r.owner)) continue;
    const file = path.join(root, r.name);
    try {
      if (r.item?.kind === "sqlite-file") {
        if (!r.item.path.endsWith(".restoring") || livePaths.has(r.item.path)) continue;
        await removeSqliteFile(r.item.path);
        removed.push(r.item.path);
      } else if (r.item?.kind === "postgres-database") {
        if (!(await dropRegistered(r.item, r.name.replace(/\.json$/, ""), given))) continue;
        removed.push(`${r.item.server}/${r.item.database}`);
      }
      await fs.rm(file, { force: true });
    } catch {
      // The server is unreachable now, or the file is not ours to remove: the next run tries again.
    }
  }
  await fs.rmdir(root).catch(() => undefined);
}

/** Scratch folders made in the system's temporary folder while the store could not be written. */
async function sweepTmpScratch(removed: string[]): Promise<void> {
  const names = await fs.readdir(os.tmpdir()).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(TMP_SCRATCH_PREFIX)) continue;
    const owner = parseOwnerTag(name);
    if (owner === null || !ownerGone(owner)) continue;
    const dir = path.join(os.tmpdir(), name);
    if (await fs.rm(dir, { recursive: true, force: true }).then(() => true, () => false)) removed.push(dir);
  }
}

/**
 * `stk_scratch_<host>_<pid>_<seconds>_<hex>` databases of gone runs: one of
 * this host whose run is dead is dropped at once (its sessions are orphans);
 * one of another host only once it is a day old and nobody is connected.
 */
async function sweepServer(url: string, removed: string[]): Promise<void> {
  await withServer(url, async (client) => {
    const r = await client.query(
      `SELECT datname, (SELECT count(*) FROM pg_stat_activity a WHERE a.datname = d.datname)::int AS sessions
       FROM pg_database d WHERE datname LIKE 'stk\\_scratch\\_%'`);
    for (const row of r.rows as { datname: string; sessions: number }[]) {
      const owner = parseOwnerTag(row.datname);
      if (owner === null || !ownerGone(owner)) continue;
      const orphaned = owner.host === HOST_ID;
      if (!orphaned && row.sessions > 0) continue;
      try {
        await client.query(`DROP DATABASE IF EXISTS ${q(row.datname)}${orphaned ? " WITH (FORCE)" : ""}`);
        removed.push(row.datname);
      } catch {
        // Someone connected meanwhile, or we may not drop it.
      }
    }
  });
}

/** Removes what gone runs left in the store (and on the given servers); returns what was removed. */
export async function sweepLeftovers(store: string, options: SweepOptions = {}): Promise<string[]> {
  const removed: string[] = [];
  const given = (options.servers ?? []).filter((u) => /^postgres(ql)?:\/\//i.test(u));
  for (const dir of [store, path.join(store, "journal"), path.join(store, "restored")]) await sweepTempFiles(dir, removed);
  await sweepScratch(store, given, removed);
  await sweepTmpScratch(removed);
  const servers = new Map<string, string>();
  for (const u of given) {
    try { const x = new URL(u); servers.set(`${x.hostname}:${x.port || "5432"}`, u); } catch { /* not a URL: the command reports it */ }
  }
  for (const url of servers.values()) await sweepServer(url, removed).catch(() => undefined);
  return removed;
}
