/**
 * Where a run keeps what it throws away, so that a later run finds it if
 * this one dies (SIGKILL, power loss): `<store>/scratch/`. A scratch
 * database of a dry run or verify lives in a folder there named by its owner
 * tag (owner.ts); a new restore target being built elsewhere (`<file>.restoring`,
 * a `<name>__restoring` or `stk_scratch_…` PostgreSQL database) is
 * registered there, as `<tag>.json`, before it is created. The run removes
 * both when it is done; sweep.ts removes those of runs that are gone.
 */
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ownerTag } from "./owner";

export const SCRATCH_FOLDER = "scratch";
/** Prefix of the PostgreSQL scratch databases: `stk_scratch_<host>_<pid>_<seconds>_<hex>`. */
export const PG_SCRATCH_PREFIX = "stk_scratch_";
/** Prefix of the scratch folders made in the system's temporary folder when the store cannot be written. */
export const TMP_SCRATCH_PREFIX = "stocktake-scratch-";

/** What a run makes outside its scratch folder, named in its registration. */
export type Registered =
  | { kind: "sqlite-file"; path: string }
  | { kind: "postgres-database"; server: string; database: string };

export interface Registration {
  /** The owner tag of the registration, also written as the PostgreSQL database's comment (ownership proof for the sweep). */
  readonly tag: string;
  /** Removes the registration once what it names is published or removed. */
  release(): Promise<void>;
}

export function scratchRoot(store: string): string {
  return path.join(store, SCRATCH_FOLDER);
}

/** The comment a registered PostgreSQL database carries: the sweep drops only a database whose comment is its registration's. */
export function databaseComment(tag: string): string {
  return `stocktake-backup ${tag}`;
}

/** A store that cannot take a small file: read-only, not ours, or full. The run goes on without what it wanted to write there. */
function storeUnwritable(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === "EROFS" || code === "EACCES" || code === "EPERM" || code === "ENOSPC" || code === "EDQUOT";
}

async function removeEmptyRoot(store: string): Promise<void> {
  await fs.rmdir(scratchRoot(store)).catch(() => undefined); // ENOTEMPTY: another run's entry is there
}

/** Makes something in `<store>/scratch/`, again if a sweep removed the empty scratch folder in between. */
async function inRoot<T>(store: string, make: (root: string) => Promise<T>): Promise<T> {
  const root = scratchRoot(store);
  for (let attempt = 0; ; attempt++) {
    // Not recursive: the store exists, and Node's recursive mkdir reports a read-only disk as ENOENT.
    await fs.mkdir(root, { mode: 0o700 }).catch((error) => { if ((error as { code?: unknown }).code !== "EEXIST") throw error; });
    try {
      return await make(root);
    } catch (error) {
      if ((error as { code?: unknown }).code !== "ENOENT" || attempt >= 3) throw error;
    }
  }
}

/**
 * A folder of this run's own for a scratch database: in the store, or in the
 * system's temporary folder when the store is read-only or full (a dry run
 * from a read-only copy of the store still works; the sweep looks there too).
 */
export async function makeScratchFolder(store: string | undefined): Promise<{ dir: string; remove(): Promise<void> }> {
  const tag = ownerTag("-");
  if (store !== undefined) {
    try {
      const dir = await inRoot(store, async (root) => {
        const dir = path.join(root, tag);
        await fs.mkdir(dir, { mode: 0o700 });
        return dir;
      });
      return { dir, remove: async () => { await fs.rm(dir, { recursive: true, force: true }); await removeEmptyRoot(store); } };
    } catch (error) {
      if (!storeUnwritable(error)) throw error;
    }
  }
  const dir = path.join(os.tmpdir(), TMP_SCRATCH_PREFIX + tag);
  await fs.mkdir(dir, { mode: 0o700 });
  return { dir, remove: () => fs.rm(dir, { recursive: true, force: true }) };
}

/**
 * Registers `item` in the store before it is created. Without a store, or
 * when the store cannot be written (a restore from a read-only copy of the
 * store must still work), nothing is registered: only a later restore to the
 * same target removes what a killed run left there.
 */
export async function register(store: string | undefined, item: Registered): Promise<Registration> {
  const tag = ownerTag("-");
  if (store === undefined) return { tag, release: async () => undefined };
  const file = path.join(scratchRoot(store), `${tag}.json`);
  try {
    await inRoot(store, () => fs.writeFile(file, `${JSON.stringify(item)}\n`, { flag: "wx", mode: 0o600 }));
  } catch (error) {
    if (storeUnwritable(error)) return { tag, release: async () => undefined };
    throw error;
  }
  return { tag, release: async () => { await fs.rm(file, { force: true }); await removeEmptyRoot(store); } };
}

/** The registrations and folders in the store's scratch folder: name, and whether it is a folder. */
export async function scratchEntries(store: string): Promise<{ name: string; folder: boolean }[]> {
  try {
    const entries = await fs.readdir(scratchRoot(store), { withFileTypes: true });
    return entries.map((e) => ({ name: e.name, folder: e.isDirectory() }));
  } catch {
    return [];
  }
}

/**
 * A registration's item, or null for a file that is not one (nothing of it is
 * acted on). The sweep removes the file a registration names: only one that
 * a restore registers qualifies, an absolute path without `.` or `..` steps
 * that ends in `.restoring` (the restore's own temp name), so a crafted
 * registration cannot point the sweep at anything else.
 */
export function parseRegistered(text: string): Registered | null {
  try {
    const item = JSON.parse(text) as Partial<Record<string, unknown>>;
    if (item === null || typeof item !== "object") return null;
    if (item.kind === "sqlite-file" && isRestoringPath(item.path)) return { kind: "sqlite-file", path: item.path };
    if (item.kind === "postgres-database" && typeof item.server === "string" && typeof item.database === "string") {
      return { kind: "postgres-database", server: item.server, database: item.database };
    }
  } catch {
    // not JSON
  }
  return null;
}

function isRestoringPath(p: unknown): p is string {
  return typeof p === "string" && path.isAbsolute(p) && path.normalize(p) === p && p.endsWith(".restoring") && !p.includes("\0");
}
